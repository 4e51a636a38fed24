//! The flags of real models (`dual_model --cmd`, `--rescore`) and their
//! help. Known on every system, so that elsewhere than Unix they are
//! refused with a reason rather than as unknown; `llm::real` reads them.

use crate::cli::Flag;

/// The flags for real models (`ch04_bft::llm::real`).
pub const CMD_FLAGS: [Flag; 23] = [
    Flag::value("retries"),
    Flag::value("retry-if"),
    Flag::repeated("cmd"),
    Flag::repeated("name"),
    Flag::value("answer-after"),
    Flag::value("canon"),
    Flag::value("rescore"),
    Flag::value("prompt"),
    Flag::value("prompt-file"),
    Flag::value("tasks-file"),
    Flag::value("quorum"),
    Flag::value("timeout"),
    Flag::value("check"),
    Flag::value("compare"),
    Flag::value("max-output"),
    Flag::value("log"),
    Flag::switch("quiet"),
    Flag::value("jobs"),
    Flag::switch("resume"),
    Flag::switch("cascade"),
    Flag::value("ahead-by"),
    Flag::value("max-calls"),
    Flag::switch("wait-all"),
];

/// The help of the real models' flags, a string literal, for `concat!`.
#[macro_export]
macro_rules! real_models_help {
    () => {
        "Real models (Unix only: each command runs as `sh -c CMD` in a process group
of its own, with the prompt on standard input, never on a command line):
  --cmd CMD             a model's command line; 1 to 15 of them
  --name NAME           just before a --cmd: its name in the reports
                        (default: the command's last word)
  --prompt TEXT         the prompt (a newline is added)
  --prompt-file FILE    the prompt, the file's bytes as they are
  --quorum K | all      accept an answer that K of the N commands gave;
                        K more than N/2 (default: a strict majority). The
                        vote ends as soon as it is decided: calls still
                        running are stopped
  --wait-all            let every call end, even when the vote is decided
  --cascade             start K calls, more only while they cannot decide
  --ahead-by K          call the commands in turn, one at a time, until one
                        answer has K votes more than any other (1 to 64)
  --max-calls M         with --ahead-by: reject after M calls (1 to 64,
                        default: the number of commands)
  --timeout SECONDS     per call (0.001 to 86400, default 60); the call's
                        process group is stopped when it runs out
  --retries N           a call that fails (exit status, timeout) is made
                        again, up to N times (0 to 10, default 0), after
                        1 s, 2 s, 4 s ... with jitter, never past the timeout;
                        only the last attempt votes
  --retry-if TEXT       retry only failures whose stderr holds TEXT (429)
  --check CMD           run once per distinct answer, with the answer on
                        stdin and in the file $ANSWER_FILE; exit 0 passes
                        (its own output is not kept, so no limit applies)
  --compare MODE        exact, trim (default: trailing whitespace and blank
                        lines at both ends ignored), code (the first
                        fenced code block), number (the last number:
                        $1,000.00 and 1000 agree) or choice (the last
                        standalone letter A to J)
  --answer-after TEXT   read only what follows the last TEXT, to the end
                        of its line (A:, ####); without TEXT, no answer
  --canon CMD           instead of --compare: CMD gets the answer on stdin
                        and prints its key; run once per distinct output
  An output with no answer to read abstains (no answer found); a tasks
  file's expected values are read the same way.
  --max-output BYTES    a longer answer abstains (1 to 1073741824,
                        default 1048576)
  --log FILE            append every call to FILE as JSON: one line per vote,
                        or per task of an evaluation (a new file for those)
  --quiet               no report or progress on stderr
  --tasks-file FILE     instead of one vote, measure the commands on FILE:
                        PROMPT<TAB>EXPECTED per line (escapes \\t \\n \\\\)
  --jobs J              tasks at a time (1 to 256, default: available cores)
  --resume              with --tasks-file and --log: count the tasks the log
                        holds for the same commands, run only the others
  --rescore LOG         decide a logged evaluation (or the log's last vote)
                        again from its recorded outputs, read and checked
                        as the flags given say: no model is called
  A call that times out, fails, prints too much or fails the check abstains;
  the quorum still counts it. A call the machine cannot run (open files,
  processes, memory) waits for others to end and tries again; if it still
  cannot, it counts in nothing and the exit code is 1. Exit: 0 accepted (the
  answer on stdout) or evaluated, 3 no answer reached the quorum, 2 usage
  error, 1 the machine failed (a call, a helper process or a file).
  A process a command moves out of its process group (setsid, set -m) is
  out of reach: it is not stopped with its call nor when dual_model ends,
  since following it needs what the standard library offers only as unsafe
  code; its output after the command exits (plus 0.25 s) is not read.

"
    };
}
