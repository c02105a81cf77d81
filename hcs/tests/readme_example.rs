//! The README's runtime example is `examples/quickstart.rs`: compiled here
//! and run against the emulator, and checked to be the text the README shows.

mod common;

#[allow(dead_code)]
#[path = "../examples/quickstart.rs"]
mod quickstart;

#[test]
fn quickstart_runs_against_the_emulator() {
    let exit_code = quickstart::run(&common::hcs()).expect("the quickstart example");
    assert_eq!(exit_code, 3);
}

#[test]
fn readme_shows_the_compiled_example() {
    let example = include_str!("../examples/quickstart.rs");
    let readme = include_str!("../README.md");
    let begin =
        example.find("// README-BEGIN\n").expect("begin marker") + "// README-BEGIN\n".len();
    let end = example.find("// README-END").expect("end marker");
    let body = &example[begin..end];
    assert!(
        readme.replace("\r\n", "\n").contains(body),
        "hcs/README.md must contain the example between the README markers of examples/quickstart.rs verbatim"
    );
}
