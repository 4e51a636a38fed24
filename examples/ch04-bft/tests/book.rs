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
        fs::read_to_string(root().join("book/src/ch04-bft.md")).expect("page");
    let readme = fs::read_to_string(root().join("README.md")).expect("README");
    assert_eq!(mapped_files(&chapter, "## Code location"), files, "chapter");
    assert_eq!(
        mapped_files(&readme, "## Where the code lives"),
        files,
        "README"
    );
}
