//! Build script: link the `floe` binary as a position-dependent executable.
//!
//! As a position-independent executable, the dynamic loader applies some 230,000 relocations
//! (pointers in static data: trait-object tables, string constants) before `main`, a fixed 2 ms
//! on every command; a cron job or CI script running many short commands pays it each time.
//! Position-dependent, the linker resolves them once. What is given up is address-space
//! randomisation of the executable's own image (libraries, heap and stacks stay randomised),
//! as with Go's default Linux builds.

fn main() {
    // glibc Linux only: musl targets link statically (static-pie), which -no-pie would break.
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if linux_gnu {
        println!("cargo:rustc-link-arg-bin=floe=-no-pie");
    }
}
