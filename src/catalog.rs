//! The built-in EC2 price catalog (us-east-1, Linux, on-demand, spring 2026).
//!
//! `data/ec2-us-east-1.csv` is compiled into the binary with `include_str!`;
//! nothing reads a file at run time. Source and attribution: `data/README.md`.
//! A scenario may override prices or add types (`[[pricing.instance_types]]`).

/// CPU architecture of a capacity provider (and its functions).
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Architecture {
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

/// One EC2 instance type.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct InstanceType {
    pub name: String,
    pub vcpus: u32,
    pub memory_mib: u32,
    pub architecture: Architecture,
    pub ondemand_usd_per_hour: f64,
}

const CSV: &str = include_str!("../data/ec2-us-east-1.csv");

/// Graviton families carry a `g` right after the generation digit (c7g, m8gn).
fn architecture_of(family: &str) -> Architecture {
    let after_digit = family
        .char_indices()
        .find(|(_, c)| c.is_ascii_digit())
        .map(|(i, _)| &family[i + 1..])
        .unwrap_or("");
    if after_digit.starts_with('g') {
        Architecture::Arm64
    } else {
        Architecture::X86_64
    }
}

/// Whether a type is offered when a provider gives no `AllowedInstanceTypes`:
/// C families from `.xlarge` up, M and R families from `.large` up (AWS's
/// current guidance; docs/model.md, "Instance families"). Types of other
/// families (only scenario additions can have them) and sizes this does not
/// know (`metal`) are kept.
pub fn default_candidate(t: &InstanceType) -> bool {
    let Some((family, size)) = t.name.split_once('.') else {
        return true;
    };
    let min_rank = match family.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('c') => 1,
        Some('m') | Some('r') => 0,
        _ => return true,
    };
    size_rank(size).is_none_or(|r| r >= min_rank)
}

/// `large` 0, `xlarge` 1, `Nxlarge` N, anything smaller than `large` -1;
/// `None` for a size this does not know.
fn size_rank(size: &str) -> Option<i32> {
    match size {
        "nano" | "micro" | "small" | "medium" => Some(-1),
        "large" => Some(0),
        "xlarge" => Some(1),
        s => s.strip_suffix("xlarge")?.parse().ok(),
    }
}

/// Every type of the built-in catalog, in file order.
pub fn builtin() -> Vec<InstanceType> {
    let mut out = Vec::with_capacity(300);
    for (i, line) in CSV.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        // The file is ours and checked by a test; a bad row is a build defect.
        assert!(f.len() >= 7, "data/ec2-us-east-1.csv:{}: short row", i + 1);
        out.push(InstanceType {
            name: f[0].to_string(),
            vcpus: f[3].parse().expect("vcpu"),
            memory_mib: (f[4].parse::<f64>().expect("memory") * 1024.0).round() as u32,
            architecture: architecture_of(f[1]),
            ondemand_usd_per_hour: f[6].parse().expect("price"),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_parses_and_matches_published_prices() {
        let c = builtin();
        assert_eq!(c.len(), 299);
        let m7g = c.iter().find(|t| t.name == "m7g.xlarge").unwrap();
        assert_eq!(m7g.ondemand_usd_per_hour, 0.1632);
        assert_eq!(m7g.vcpus, 4);
        assert_eq!(m7g.memory_mib, 16 * 1024);
        assert_eq!(m7g.architecture, Architecture::Arm64);
        let c7g = c.iter().find(|t| t.name == "c7g.xlarge").unwrap();
        assert_eq!(c7g.ondemand_usd_per_hour, 0.145);
        let c6i = c.iter().find(|t| t.name == "c6i.2xlarge").unwrap();
        assert_eq!(c6i.architecture, Architecture::X86_64);
        assert_eq!(
            c.iter()
                .find(|t| t.name == "c7i-flex.large")
                .unwrap()
                .architecture,
            Architecture::X86_64
        );
        let named = |n: &str| c.iter().find(|t| t.name == n).unwrap();
        assert!(!default_candidate(named("c7g.large")));
        assert!(!default_candidate(named("c7i-flex.large")));
        assert!(default_candidate(named("c7g.xlarge")));
        assert!(default_candidate(named("c6i.16xlarge")));
        assert!(default_candidate(named("m7g.large")));
        assert!(default_candidate(named("r8g.large")));
        // Only the 17 c*.large are left out.
        assert_eq!(c.iter().filter(|t| !default_candidate(t)).count(), 17);
        assert_eq!(
            c.iter()
                .find(|t| t.name == "c8gn.large")
                .unwrap()
                .architecture,
            Architecture::Arm64
        );
    }
}
