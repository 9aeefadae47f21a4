// The migrations are compiled in; rebuild when one changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
