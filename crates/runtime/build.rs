//! `include_dir!` cannot tell cargo which files it read (proc macros cannot
//! track files on stable Rust), so rebuild the bundled catalogue whenever
//! anything under `regulations/` changes.

fn main() {
    println!("cargo:rerun-if-changed=../../regulations");
}
