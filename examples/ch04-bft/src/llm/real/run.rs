//! Running what `cross_check` configured: one vote, or an evaluation, and
//! the exit code each ends with.

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use super::call::Runner;
use super::cross_check::{CrossCheck, Job};
use super::evaluate::{Evaluation, Measured, evaluate};
use super::journal::{Log, vote_line};
use super::progress::Progress;
use super::scorecard::{print_times, report as evaluation_report};
use super::tasks_file::Task;
use super::vote::{Decision, Plan, Settings, Source, ask};
use super::vote_report::report as vote_report;

/// The machine's failure, for exit code 1 (the caller prints it).
fn machine(message: String) -> io::Error {
    io::Error::other(message)
}

pub fn run(check: &CrossCheck, out: &mut dyn Write) -> io::Result<ExitCode> {
    let settings = &check.settings;
    let runner = Runner::new(settings.limits, settings.check.is_some())
        .map_err(machine)?;
    match &check.job {
        Job::Vote { prompt, plan, log, quiet, recorded } => {
            let source = match recorded {
                Some(calls) => Source::Recorded(calls),
                None => Source::Live(prompt),
            };
            let vote =
                Vote { prompt, source, plan: *plan, log: log.as_deref() };
            run_vote(&runner, settings, &vote, *quiet, out)
        }
        Job::Evaluate { .. } => {
            run_evaluation(&runner, settings, &check.job, out)
        }
    }
}

fn open_log(path: Option<&str>, alone: bool) -> io::Result<Option<Log>> {
    let open = |path| {
        if alone {
            Log::open_alone(path, false)
        } else {
            Log::open(path, false)
        }
    };
    path.map(open).transpose().map_err(machine)
}

/// How long the evaluation took, and each command's call times: on
/// stderr, as they change from run to run.
fn print_pace(
    settings: &Settings,
    measured: &Measured,
    total: usize,
    jobs: usize,
    seconds: f64,
) {
    let from_log = match measured.from_log {
        0 => String::new(),
        n => format!(" ({n} of them counted from the log)"),
    };
    let mut err = io::stderr().lock();
    let _ = writeln!(
        err,
        "dual_model: {total} tasks{from_log} x {} commands in {seconds:.1} s, \
         {jobs} at a time; time per call:",
        settings.commands.len(),
    );
    let _ = print_times(&mut err, &settings.names, &measured.tally.calls);
}

/// A command the shell could not find or run on any call: a usage error,
/// exit 2, said in one line (the report, which would count abstentions,
/// is not printed).
fn never_found(settings: &Settings, c: usize, said: Option<&str>) -> ExitCode {
    let said = said.map_or(String::new(), |line| format!(": {line}"));
    crate::cli::complain(
        "dual_model",
        &format!(
            "--cmd '{}': the shell could not find or run it on any call (exit status 127 or 126){said}",
            settings.commands[c]
        ),
    );
    ExitCode::from(2)
}

/// One vote to run: its prompt, where its calls come from, its rule and
/// its log.
struct Vote<'a> {
    prompt: &'a Arc<Vec<u8>>,
    source: Source<'a>,
    plan: Plan,
    log: Option<&'a str>,
}

fn run_vote(
    runner: &Runner,
    settings: &Settings,
    vote: &Vote,
    quiet: bool,
    out: &mut dyn Write,
) -> io::Result<ExitCode> {
    let plan = vote.plan;
    let log = open_log(vote.log, false)?;
    let ballot = ask(runner, settings, plan, vote.source);
    if let Some(gone) = runner.helper_gone() {
        if let Some(log) = log {
            log.append(&vote_line(settings, vote.prompt, &ballot, plan))?;
        }
        return Err(machine(gone.to_string()));
    }
    let missing = match vote.source {
        Source::Live(_) => ballot.never_found(settings.commands.len()),
        Source::Recorded(_) => None,
    };
    if let Some((c, said)) = missing {
        if let Some(log) = log {
            log.append(&vote_line(settings, vote.prompt, &ballot, plan))?;
        }
        return Ok(never_found(settings, c, said.as_deref()));
    }
    if !quiet {
        // The report is for a person; if stderr is gone, so be it.
        let _ = vote_report(&mut io::stderr().lock(), settings, &ballot, plan);
    }
    if let Some(log) = log {
        log.append(&vote_line(settings, vote.prompt, &ballot, plan))?;
    }
    match ballot.decision {
        Decision::Accepted(g) => {
            out.write_all(&ballot.calls[ballot.printed(g)].output)?;
            Ok(ExitCode::SUCCESS)
        }
        Decision::Rejected => Ok(ExitCode::from(3)),
        Decision::Undecided => {
            let (count, why) = ballot.not_run();
            Err(machine(format!(
                "{count} call(s) could not run ({}); the vote is undecided",
                why.unwrap_or_default()
            )))
        }
    }
}

fn run_evaluation(
    runner: &Runner,
    settings: &Settings,
    job: &Job,
    out: &mut dyn Write,
) -> io::Result<ExitCode> {
    let Job::Evaluate {
        source,
        input,
        total,
        jobs,
        log: path,
        resumed,
        quiet,
        rescore,
    } = job
    else {
        unreachable!("run passes evaluations only");
    };
    let log = open_log(path.as_deref(), true)?;
    if let (Some(log), true) = (&log, resumed.cut_off) {
        log.append("")?; // the cut-off line ends here; new lines start anew
    }
    for line in &resumed.ignored {
        let _ = writeln!(
            io::stderr().lock(),
            "dual_model: --log '{}', line {line}: cut off or not a record; \
             ignored, its task runs again",
            path.as_deref().unwrap_or_default()
        );
    }
    let start = Instant::now();
    let progress = Progress::start(*total as u64, !quiet);
    let run = Evaluation {
        runner,
        settings,
        source,
        log: log.as_ref(),
        resumed,
        progress: &progress,
        jobs: *jobs,
    };
    let measured = if rescore.is_some() {
        // Every task from the log, in the order of its lines.
        let mut lines: Vec<usize> = resumed.tasks.keys().copied().collect();
        lines.sort_unstable();
        let tasks = lines.into_iter().map(|line| {
            let recorded = &resumed.tasks[&line];
            Ok(Task {
                line,
                prompt: Arc::new(recorded.prompt.clone()),
                expected: recorded.expected.clone(),
            })
        });
        evaluate(&run, tasks)
    } else {
        let input = input.as_ref().ok_or_else(|| machine("no tasks".into()))?;
        evaluate(&run, input.tasks().map_err(machine)?)
    };
    drop(progress); // clears its line
    if let (None, Some(gone)) = (&measured.stopped, runner.helper_gone()) {
        return Err(machine(format!("{gone}, after every task had run")));
    }
    if let Some(why) = &measured.stopped {
        // What ran is reported (rates over those tasks only); with no task
        // done there is nothing to report, and stdout stays empty.
        if measured.tally.tasks > 0 {
            let log = rescore.as_deref();
            evaluation_report(out, settings, source, log, &measured.tally)?;
            let left = (*total as u64).saturating_sub(measured.tally.tasks);
            writeln!(out)?;
            writeln!(
                out,
                "Not run: {left} of {total} tasks, in no figure above ({why})"
            )?;
        }
        let resume = match log {
            Some(_) => "; --resume with the same --log runs them",
            None => "; fewer --jobs may fit, and --log keeps what ran",
        };
        return Err(machine(format!(
            "stopped after {} of {total} tasks: {why}{resume}",
            measured.tally.tasks
        )));
    }
    if rescore.is_none() {
        let missing =
            measured.tally.calls.iter().enumerate().find_map(|(c, stats)| {
                stats.never_found().map(|said| (c, said))
            });
        if let Some((c, said)) = missing {
            return Ok(never_found(settings, c, said));
        }
    }
    let log = rescore.as_deref();
    evaluation_report(out, settings, source, log, &measured.tally)?;
    if !quiet {
        let seconds = start.elapsed().as_secs_f64();
        print_pace(settings, &measured, *total, *jobs, seconds);
    }
    Ok(ExitCode::SUCCESS)
}
