fn main() {
    std::process::exit(lmi_sim::cli::main());
}
