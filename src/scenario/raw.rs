//! Raw scenario structs (serde, mirrors the TOML file). Filled in by validate.rs work.
