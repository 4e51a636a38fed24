//! Signatures, as far as the runs need them: PBFT's messages are signed
//! (or carry MACs), so a certificate is a bundle of signed messages that
//! anyone can check. The runs keep what each replica signed; a message
//! from a Byzantine replica whose certificate no replica could have
//! gathered (forged) fails the check, and the network drops it.

use std::collections::BTreeSet;

use super::pbft::{Certificate, Config, Id, Message, Value, View};

/// What a signature vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Signed {
    PrePrepare(View, Value),
    Prepare(View, Value),
    ViewChange(View, Option<(View, Value)>),
}

/// Every PRE-PREPARE, PREPARE and VIEW-CHANGE sent, with its sender.
#[derive(Debug, Default)]
pub struct Signatures {
    signed: BTreeSet<(Id, Signed)>,
}

impl Signatures {
    /// Whether every certificate `message` carries could have been
    /// gathered: a PRE-PREPARE from the view's primary and `prepares`
    /// PREPAREs from other replicas, and, in a NEW-VIEW, VIEW-CHANGEs
    /// that their senders sent.
    pub fn verified(&self, config: &Config, message: &Message) -> bool {
        let gathered = |cert: &Option<Certificate>| {
            cert.is_none_or(|c| {
                let primary = config.primary(c.view);
                let proposed = self
                    .signed
                    .contains(&(primary, Signed::PrePrepare(c.view, c.value)));
                let prepares = (0..config.n)
                    .filter(|&r| r != primary)
                    .filter(|&r| {
                        self.signed
                            .contains(&(r, Signed::Prepare(c.view, c.value)))
                    })
                    .count();
                proposed && prepares >= config.prepares
            })
        };
        match message {
            Message::ViewChange { prepared, .. } => gathered(prepared),
            Message::NewView { view, proof, .. } => {
                proof.iter().all(|(id, cert)| {
                    let asked = Signed::ViewChange(
                        *view,
                        cert.map(|c| (c.view, c.value)),
                    );
                    self.signed.contains(&(*id, asked)) && gathered(cert)
                })
            }
            _ => true,
        }
    }

    /// A message's signature, recorded when it is sent.
    pub fn sign(&mut self, from: Id, message: &Message) {
        let signed = match *message {
            Message::PrePrepare { view, value } => {
                Signed::PrePrepare(view, value)
            }
            Message::Prepare { view, value } => Signed::Prepare(view, value),
            Message::ViewChange { view, prepared } => {
                Signed::ViewChange(view, prepared.map(|c| (c.view, c.value)))
            }
            _ => return,
        };
        self.signed.insert((from, signed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_is_verified_only_if_its_messages_were_signed() {
        let (config, a, b) = (Config::pbft(1), Value::A, Value::B);
        let mut signatures = Signatures::default();
        signatures.sign(0, &Message::PrePrepare { view: 0, value: a });
        for from in [1, 2] {
            signatures.sign(from, &Message::Prepare { view: 0, value: a });
        }
        let carrying = |value| Message::ViewChange {
            view: 1,
            prepared: Some(Certificate { view: 0, value }),
        };
        assert!(signatures.verified(&config, &carrying(a)));
        // Nobody signed anything for `b`: a forged certificate.
        assert!(!signatures.verified(&config, &carrying(b)));
        // A NEW-VIEW may carry only VIEW-CHANGEs that were sent.
        let proof = vec![(1, Some(Certificate { view: 0, value: a }))];
        let new_view = Message::NewView { view: 1, proof, value: a };
        assert!(!signatures.verified(&config, &new_view));
        signatures.sign(1, &carrying(a));
        assert!(signatures.verified(&config, &new_view));
    }
}
