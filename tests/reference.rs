//! The repository stands on its own: every citation of `docs/reference/<file>.md <anchor>` in the
//! code, tests and docs names a file and a section that exist, so a reader can check the fact behind
//! a behaviour without anything outside this repository.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if !["target", "node_modules", ".git", "__pycache__"].contains(&name.as_str()) {
                files(&path, out);
            }
        } else if [".rs", ".md", ".py", ".js", ".txt", ".toml"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            out.push(path);
        }
    }
}

/// Whether `anchor` names a section of `doc` (see docs/reference/README.md for the forms).
fn resolves(doc: &str, anchor: &str) -> bool {
    let lines: Vec<&str> = doc.lines().collect();
    if let Some(n) = anchor.strip_prefix('#') {
        // conflicts.md: a table row `| N | …`.
        return lines.iter().any(|l| l.starts_with(&format!("| {n} |")));
    }
    if let Some(rest) = anchor.strip_prefix("§7 decision ") {
        // terraform.md: item N of the §7 list.
        let from = lines.iter().position(|l| l.starts_with("## §7"));
        return from.is_some_and(|i| {
            lines[i..]
                .iter()
                .any(|l| l.starts_with(&format!("{rest}. ")))
        });
    }
    if let Some(section) = anchor.strip_prefix('§') {
        return lines.iter().any(|l| {
            l.starts_with('#')
                && (l.contains(&format!("§{section} "))
                    || l.ends_with(&format!("§{section}"))
                    || l.split_whitespace()
                        .nth(1)
                        .is_some_and(|w| w == section || w.strip_suffix('.') == Some(section)))
        });
    }
    // A scenario or failure id (S2a, H7, F5, D10): present as a word.
    doc.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == anchor)
}

#[test]
fn every_reference_citation_resolves() {
    let mut all = Vec::new();
    for dir in [
        "src", "tests", "docs", "python", "scripts", "benches", "examples",
    ] {
        let p = Path::new(ROOT).join(dir);
        if p.exists() {
            files(&p, &mut all);
        }
    }
    all.push(Path::new(ROOT).join("README.md"));
    let cite = |text: &str| -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find("docs/reference/") {
            rest = &rest[i + "docs/reference/".len()..];
            let file: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            let end = file.len();
            if file.is_empty() || !rest[end..].starts_with(".md") {
                continue; // the folder itself (`docs/reference/`), not a file
            }
            let after = rest[end + 3..].trim_start_matches(' ');
            // The anchor: `§…` (maybe `§7 decision N`), `#N`, or an id like S2a/H7.
            let mut anchor: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '§' | '.' | '#'))
                .collect();
            anchor = anchor.trim_end_matches('.').to_string();
            if anchor == "§7" && after.starts_with("§7 decision ") {
                let n: String = after["§7 decision ".len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                anchor = format!("§7 decision {n}");
            }
            let is_anchor = anchor.starts_with('§')
                || anchor.starts_with('#')
                || (anchor.len() >= 2
                    && anchor.starts_with(['S', 'H', 'F', 'D', 'C'])
                    && anchor[1..2].chars().all(|c| c.is_ascii_digit()));
            out.push((file, if is_anchor { anchor } else { String::new() }));
        }
        out
    };
    let mut checked = 0;
    let mut broken = Vec::new();
    let this = Path::new(ROOT).join("tests/reference.rs");
    for path in all.iter().filter(|p| **p != this) {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for (file, anchor) in cite(&text) {
            let doc_path = Path::new(ROOT)
                .join("docs/reference")
                .join(format!("{file}.md"));
            let Ok(doc) = std::fs::read_to_string(&doc_path) else {
                broken.push(format!("{}: no docs/reference/{file}.md", path.display()));
                continue;
            };
            checked += 1;
            if !anchor.is_empty() && !resolves(&doc, &anchor) {
                broken.push(format!(
                    "{}: docs/reference/{file}.md has no {anchor}",
                    path.display()
                ));
            }
        }
    }
    assert!(
        checked > 150,
        "only {checked} citations found: is the scan broken?"
    );
    assert!(
        broken.is_empty(),
        "{} broken citations:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn nothing_cites_material_outside_the_repository() {
    let mut all = Vec::new();
    for dir in [
        "src", "tests", "docs", "python", "scripts", "benches", "examples",
    ] {
        let p = Path::new(ROOT).join(dir);
        if p.exists() {
            files(&p, &mut all);
        }
    }
    all.push(Path::new(ROOT).join("README.md"));
    let this = Path::new(ROOT).join("tests/reference.rs");
    let mut found = Vec::new();
    for path in all.iter().filter(|p| **p != this) {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for needle in [
            "semantics.md",
            "terraform-flows.md",
            "inventory.md",
            "membership-and-lists.md",
            "../shared",
            "api/clients.md",
        ] {
            if text.contains(needle) {
                found.push(format!("{}: {needle}", path.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "citations of files this repository does not have:\n{}",
        found.join("\n")
    );
}
