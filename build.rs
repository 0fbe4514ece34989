fn main() {
    // leptos_i18n reads locales/*.json at compile time without telling cargo.
    println!("cargo::rerun-if-changed=locales");
}
