//! The book's promises about its own text: every included anchor exists and
//! is not empty, listings are anchored excerpts (not whole files), and the
//! map of the code in the chapter and the README names every source file.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn chapter_files() -> Vec<(PathBuf, String)> {
    let src = root().join("book/src");
    let mut files: Vec<PathBuf> = fs::read_dir(&src)
        .expect("book/src")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).expect("readable");
            (path, text)
        })
        .collect()
}

/// The lines between `// ANCHOR: name` and `// ANCHOR_END: name`.
fn anchored(source: &str, name: &str) -> Option<Vec<String>> {
    let start = format!("ANCHOR: {name}");
    let end = format!("ANCHOR_END: {name}");
    let mut lines = source.lines();
    lines.by_ref().find(|line| line.trim_start().ends_with(&start))?;
    let mut region = Vec::new();
    for line in lines {
        if line.trim_start().ends_with(&end) {
            return Some(region);
        }
        if !line.contains("ANCHOR") {
            region.push(line.to_string());
        }
    }
    None
}

/// Every `{{#include path:anchor}}` of every page, as (page, path, anchor).
fn includes() -> Vec<(PathBuf, String, Option<String>)> {
    let mut found = Vec::new();
    for (page, text) in chapter_files() {
        for piece in text.split("{{#").skip(1) {
            let directive = piece.split("}}").next().expect("closed");
            let (kind, target) = directive.split_once(' ').expect("a target");
            assert_eq!(kind, "include", "{}: {{{{#{kind}}}}}", page.display());
            let (path, anchor) = match target.rsplit_once(':') {
                Some((path, anchor)) => (path, Some(anchor.to_string())),
                None => (target, None),
            };
            found.push((page.clone(), path.to_string(), anchor));
        }
    }
    found
}

#[test]
fn every_included_anchor_exists_and_is_not_empty() {
    let mut anchors = 0;
    for (page, path, anchor) in includes() {
        let file = page.parent().expect("folder").join(&path);
        let source = fs::read_to_string(&file).unwrap_or_else(|_| {
            panic!("{}: {path} is missing", page.display())
        });
        if let Some(anchor) = anchor {
            assert!(
                !anchor.chars().all(|c| c.is_ascii_digit() || c == ':'),
                "{}: {path} is included by line numbers",
                page.display()
            );
            let region = anchored(&source, &anchor)
                .unwrap_or_else(|| panic!("{path}: no anchor '{anchor}'"));
            assert!(
                region.iter().any(|line| !line.trim().is_empty()),
                "{path}: anchor '{anchor}' is empty"
            );
            anchors += 1;
        }
    }
    assert!(anchors >= 10, "only {anchors} anchored listings");
}

#[test]
fn listings_are_excerpts_marked_ignore_unless_complete_programs() {
    for (page, text) in chapter_files() {
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if !line.starts_with("```rust") {
                continue;
            }
            let body: Vec<&str> =
                lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
            let complete = body.iter().any(|l| l.starts_with("fn main()"));
            assert!(
                complete || line.contains("ignore"),
                "{}: a partial listing not marked ignore: {body:?}",
                page.display()
            );
        }
    }
}

/// Source files of the package, relative to the workspace root.
fn source_files() -> Vec<String> {
    let mut files = Vec::new();
    let mut folders = vec![root().join("examples/ch04-bft/src")];
    folders.push(root().join("examples/ch04-bft/tests"));
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).expect("folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(root()).expect("inside");
                files.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    files.sort();
    files
}

/// The first word of each line of the text block under `heading`.
fn mapped_files(text: &str, heading: &str) -> Vec<String> {
    let after = text.split(heading).nth(1).expect("the heading");
    let block = after.split("```text\n").nth(1).expect("a text block");
    let block = block.split("```").next().expect("closed");
    let mut files: Vec<String> = block
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| Path::new(word).extension().is_some_and(|e| e == "rs"))
        .map(str::to_string)
        .collect();
    files.sort();
    files
}

#[test]
fn the_code_maps_name_every_source_file() {
    let files = source_files();
    let chapter =
        fs::read_to_string(root().join("book/src/ch04-back.md")).expect("page");
    let readme = fs::read_to_string(root().join("README.md")).expect("README");
    assert_eq!(mapped_files(&chapter, "## Code location"), files, "chapter");
    assert_eq!(
        mapped_files(&readme, "## Where the code lives"),
        files,
        "README"
    );
}

/// Every page with every `{{#include}}` resolved, as (page, kind, name,
/// lines): "listing" for Rust code, "output" for text from `generated/`.
fn included_blocks() -> Vec<(PathBuf, &'static str, String, Vec<String>)> {
    let mut blocks = Vec::new();
    for (page, path, anchor) in includes() {
        let file = page.parent().expect("folder").join(&path);
        let source = fs::read_to_string(&file).expect("readable");
        let lines = match &anchor {
            Some(anchor) => anchored(&source, anchor).expect("anchor"),
            None => source.lines().map(str::to_string).collect(),
        };
        let rust = Path::new(&path).extension().is_some_and(|e| e == "rs");
        let kind = if rust { "listing" } else { "output" };
        let name = format!("{path}:{}", anchor.unwrap_or_default());
        blocks.push((page, kind, name, lines));
    }
    blocks
}

/// Each page's budgets: the longest listing, and the listing and output
/// lines in all. The chapter's first page was one of about 5,000 words
/// until it was cut into pages a student reads in one sitting; each page
/// keeps its listings under 31 lines.
const BUDGETS: [(&str, usize, usize, usize); 7] = [
    ("ch04-bft.md", 30, 150, 120),
    ("ch04-pbft.md", 31, 119, 90),
    ("ch04-models.md", 30, 130, 100),
    ("ch04-early.md", 30, 40, 50),
    ("ch04-real.md", 20, 20, 96),
    ("ch04-practice.md", 0, 0, 110),
    ("ch04-back.md", 16, 16, 0),
];

/// The widest output line a page includes: at 390 px, the book's stylesheet
/// fits 64 columns of code without scrolling.
const OUTPUT_WIDTH: usize = 64;

#[test]
fn the_chapter_keeps_its_budgets() {
    for (page_name, longest, listing_budget, output_budget) in BUDGETS {
        let (mut listing_lines, mut output_lines) = (0, 0);
        for (page, kind, name, lines) in included_blocks() {
            if !page.ends_with(page_name) {
                continue;
            }
            let width = if kind == "output" { OUTPUT_WIDTH } else { 80 };
            for line in &lines {
                assert!(
                    line.chars().count() <= width,
                    "{name}: wider than {width}: '{line}'"
                );
            }
            if kind == "listing" {
                assert!(
                    lines.len() <= longest,
                    "{name}: {} lines, more than {longest}",
                    lines.len()
                );
                listing_lines += lines.len();
            } else {
                output_lines += lines.len();
            }
        }
        assert!(
            listing_lines <= listing_budget,
            "{page_name}: {listing_lines} listing lines, more than {listing_budget}"
        );
        assert!(
            output_lines <= output_budget,
            "{page_name}: {output_lines} output lines, more than {output_budget}"
        );
        assert!(
            output_lines > 0 || page_name == "ch04-back.md",
            "{page_name}: no output included"
        );
    }
    // Code typed into the chapter counts too: no line of a fenced block is
    // wider than the code box.
    for (page, text) in chapter_files() {
        let mut fenced = false;
        for line in text.lines() {
            if line.starts_with("```") {
                fenced = !fenced;
            } else if fenced {
                let width = line.chars().count();
                assert!(
                    width <= 80,
                    "{}: {width} wide: '{line}'",
                    page.display()
                );
            }
        }
    }
}

/// Words of prose on a page: outside fenced blocks and includes, and before
/// its references.
fn prose_words(text: &str) -> usize {
    let body = text.split("## References").next().unwrap_or(text);
    let mut fenced = false;
    let mut words = 0;
    for line in body.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && !line.starts_with("{{#") {
            words += line.split_whitespace().count();
        }
    }
    words
}

/// About 30 minutes of reading, with the listings and outputs.
const WORDS_PER_PAGE: usize = 2500;

#[test]
fn each_page_reads_in_one_sitting() {
    let mut budgeted: Vec<&str> = BUDGETS.iter().map(|b| b.0).collect();
    budgeted.extend(["introduction.md", "SUMMARY.md"]);
    budgeted.sort_unstable();
    let mut pages: Vec<String> = chapter_files()
        .iter()
        .filter_map(|(path, _)| path.file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(pages, budgeted, "every page has its budgets");
    for (path, text) in chapter_files() {
        let words = prose_words(&text);
        assert!(
            words < WORDS_PER_PAGE,
            "{}: {words} words of prose, {WORDS_PER_PAGE} or more",
            path.display()
        );
    }
    // On a phone, code is set small enough for 64 columns: the stylesheet
    // the book names exists and sets it.
    let toml = fs::read_to_string(root().join("book/book.toml")).expect("toml");
    assert!(toml.contains("additional-css = [\"theme/narrow.css\"]"));
    let css = fs::read_to_string(root().join("book/theme/narrow.css"))
        .expect("book/theme/narrow.css");
    assert!(css.contains("@media"), "{css}");
}

#[test]
fn no_page_or_output_speaks_of_a_draft_no_reader_has_seen() {
    let mut texts: Vec<(String, String)> = chapter_files()
        .into_iter()
        .map(|(path, text)| (path.display().to_string(), text))
        .collect();
    for entry in
        fs::read_dir(root().join("book/src/generated")).expect("folder")
    {
        let path = entry.expect("entry").path();
        texts.push((
            path.display().to_string(),
            fs::read_to_string(&path).expect("text"),
        ));
    }
    for (name, text) in texts {
        assert!(!text.to_lowercase().contains("first draft"), "{name}");
    }
}

/// Figures the chapter cites rather than computes, with their source.
const CITED: [(&str, &str); 3] = [
    ("60%", "Kim et al., ICML 2025"),
    ("2511.09030", "the arXiv number of Meyerson et al., 2025"),
    ("2110.14168", "the arXiv number of Cobbe et al., 2021"),
];

/// Every percentage and decimal in the chapter's prose must be printed by a
/// program (it appears in a generated file), or be a cited figure.
#[test]
fn every_figure_in_the_prose_is_printed_by_a_program() {
    let mut printed = String::new();
    for entry in
        fs::read_dir(root().join("book/src/generated")).expect("folder")
    {
        let path = entry.expect("entry").path();
        // Text only: the chart's axis ticks would match almost anything.
        if path.extension().is_some_and(|e| e == "txt") {
            printed += &fs::read_to_string(&path).expect("text");
        }
    }
    let chapter: String =
        chapter_files().into_iter().map(|(_, text)| text).collect();
    let mut fenced = false;
    let mut checked = 0;
    for line in chapter.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let words =
            line.split(|c: char| c.is_whitespace() || "(),;:`*".contains(c));
        for word in words {
            let word = word.trim_end_matches('.');
            let number = word.trim_end_matches('%');
            let is_figure = number.parse::<f64>().is_ok()
                && (word.ends_with('%') || number.contains('.'));
            if !is_figure {
                continue;
            }
            checked += 1;
            let cited = CITED.iter().any(|(figure, _)| *figure == word);
            assert!(
                cited || printed.contains(word),
                "'{word}' in the prose is printed by no program: {line}"
            );
        }
    }
    assert!(
        checked >= 20,
        "only {checked} figures found: is the check reading the prose?"
    );
}

/// The README quotes both programs' `--help` and the list of tests exactly
/// as `scripts/book-output.sh` wrote them from the programs themselves.
#[test]
fn the_readme_quotes_the_help_and_the_tests_as_they_are() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README");
    for name in ["help-bft_demo.txt", "help-dual_model.txt", "tests.txt"] {
        let path = root().join("book/src/generated").join(name);
        let text = fs::read_to_string(&path).expect("generated");
        assert!(
            readme.contains(&format!("```text\n{text}```")),
            "README.md does not quote {name} as it is: run 'make book-output'"
        );
    }
}
