//! `bft_demo --pbft N [--byzantine LIST] [--network NET]`: the one PBFT run
//! a reader asks for, read from the command line and validated.

use super::pbft::{Config as PbftConfig, Id};
use super::pbft_adversary::{Strategy, adversary};
use super::pbft_sim::Network;
use crate::cli::Flags;

/// One PBFT run, as `--pbft` asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub config: PbftConfig,
    pub byzantine: Vec<(Id, Strategy)>,
    pub network: Network,
}

/// `--pbft N`, `--byzantine LIST` and `--network NET`.
pub fn scenario(flags: &Flags, seed: u64) -> Result<Scenario, String> {
    if flags.has("trials") {
        return Err(
            "--trials is for the report, not for a run of --pbft N".to_string()
        );
    }
    let n = usize::try_from(flags.number("pbft", 4, 3..=10)?).unwrap_or(4);
    let f = ((n - 1) / 3).max(1);
    let config = PbftConfig::sized(n, n - f, n - f - 1);
    let network = match flags.value("network").unwrap_or("hostile") {
        "hostile" => Network::Hostile,
        "fair" => Network::Fair,
        other => {
            return Err(format!(
                "--network must be hostile or fair, not '{other}'"
            ));
        }
    };
    let Some(list) = flags.value("byzantine") else {
        return Ok(Scenario {
            byzantine: adversary(&config, seed),
            config,
            network,
        });
    };
    let mut byzantine: Vec<(Id, Strategy)> = Vec::new();
    for pair in list.split(',') {
        let bad = || {
            format!(
                "--byzantine: '{pair}' is not ID=HOW, with ID from 0 to {}",
                n - 1
            )
        };
        let (id, how) = pair.split_once('=').ok_or_else(bad)?;
        let id: Id =
            id.trim().parse().ok().filter(|&id| id < n).ok_or_else(bad)?;
        let strategy = Strategy::ALL
            .into_iter()
            .find(|s| s.key() == how.trim())
            .ok_or_else(|| {
                let keys: Vec<&str> =
                    Strategy::ALL.iter().map(|s| s.key()).collect();
                format!(
                    "--byzantine: '{how}' is not one of {}",
                    keys.join(", ")
                )
            })?;
        if byzantine.iter().any(|&(b, _)| b == id) {
            return Err(format!("--byzantine names R{id} twice"));
        }
        byzantine.push((id, strategy));
    }
    byzantine.sort_unstable_by_key(|&(id, _)| id);
    Ok(Scenario { config, byzantine, network })
}
