//! A warm start's stated fleet: `[capacity_provider.warm]` (instances by type)
//! and `[functions.warm]` (EEs per function), checked and placed into a
//! [`WarmFleet`] the model builds as is (docs/model.md, "Publish and warm start").
//!
//! Placing follows the model's rules so that what validates is what runs: each
//! EE goes to the AZ where its function has the fewest EEs (ties: the lower AZ).
//! On stated instances, it takes the instance of that AZ with room that holds
//! the fewest EEs (so every stated instance gets EEs, as in a real fleet), or,
//! if that AZ has none with room, the next AZ in the same order; nothing is
//! launched. Without stated instances it takes the first instance of the AZ
//! with room, else launches one of the function's instance type there, as
//! `Lmi::place` does. Validates only; must not build platforms.

use super::*;
use crate::lmi::policy::{EeShape, FleetNeed, InstanceChooser, usable};
use crate::scenario::raw::RawWarmProvider;
use crate::scenario::{WarmFleet, WarmInstance};
use std::fmt::Write as _;

/// An instance being filled: its AZ, type and the room left on it.
struct Room {
    ty: usize,
    az: u32,
    vcpus: u32,
    mib: u32,
    ees: u32,
}

impl Room {
    fn fits(&self, s: EeShape) -> bool {
        self.vcpus >= s.vcpus && self.mib >= s.memory_mib
    }
    fn take(&mut self, s: EeShape) {
        self.vcpus -= s.vcpus;
        self.mib -= s.memory_mib;
        self.ees += 1;
    }
}

const WKEY: &str = "capacity_provider.warm";

/// A TOML key for a type name (`"c6i.2xlarge"` needs quotes: it has a dot).
fn type_key(name: &str) -> String {
    format!("{WKEY}.instances.{name:?}")
}

impl Cx<'_> {
    /// The stated warm fleet, placed; `catalog` is every known type (for
    /// messages about names the provider does not allow).
    pub(super) fn warm_fleet(
        &self,
        raw: &RawScenario,
        start_state: StartState,
        provider: &CapacityProvider,
        model: &ModelKnobs,
        functions: &[FunctionSpec],
        catalog: &[InstanceType],
    ) -> Result<WarmFleet> {
        let cp = raw.capacity_provider.warm.as_ref();
        let stated_any = cp.is_some() || raw.functions.iter().any(|f| f.warm.is_some());
        if !stated_any {
            return Ok(WarmFleet::default());
        }
        if start_state != StartState::Warm {
            let key = match cp {
                Some(_) => WKEY.to_string(),
                None => {
                    let i = raw.functions.iter().position(|f| f.warm.is_some());
                    format!("functions[{}].warm", i.unwrap_or(0))
                }
            };
            return Err(self.bad(
                key,
                "(a table)",
                "a stated warm fleet needs start_state = \"warm\" (the default); remove it or the start_state = \"publish\"",
            ));
        }
        let mut ees = Vec::with_capacity(functions.len());
        for (i, (rf, f)) in raw.functions.iter().zip(functions).enumerate() {
            let Some(w) = &rf.warm else {
                ees.push(None);
                continue;
            };
            let key = format!("functions[{i}].warm.execution_environments");
            let n = match w.execution_environments {
                None => {
                    return Err(self.missing(
                        key,
                        "the number of EEs Ready at t = 0, e.g. execution_environments = 3",
                    ));
                }
                Some(n) if f.max_ees == 0 => {
                    if n != 0 {
                        return Err(self.bad(
                            key,
                            n,
                            format!(
                                "0: function `{}` is deactivated (MaxExecutionEnvironments = 0)",
                                f.name
                            ),
                        ));
                    }
                    0
                }
                Some(n) => {
                    let hi = f.max_ees.min(15_000);
                    let allowed = if f.max_ees == u32::MAX {
                        "an integer in 0..=15000".to_string()
                    } else {
                        format!("an integer in 0..=MaxExecutionEnvironments ({hi})")
                    };
                    self.int_in(&key, n, 0, hi, &allowed)?
                }
            };
            ees.push(Some(n));
        }
        let rv = model.reserved_vcpus_per_instance;
        let rm = model.reserved_memory_mib_per_instance;
        let mut rooms = match cp {
            Some(w) => self.stated_instances(w, provider, catalog, rv, rm)?,
            None => Vec::new(),
        };
        let instances_stated = cp.is_some();
        if instances_stated
            && let Some(i) =
                (0..functions.len()).find(|&i| functions[i].max_ees > 0 && ees[i].is_none())
        {
            return Err(self.missing(
                format!("functions[{i}].warm.execution_environments"),
                format!(
                    "with {WKEY}.instances stating the fleet, every active function states its EEs: add [functions.warm] execution_environments = N to function `{}`",
                    functions[i].name
                ),
            ));
        }
        let stated_vcpus = |rooms: &[Room]| -> u32 {
            rooms
                .iter()
                .map(|r| provider.instance_types[r.ty].vcpus)
                .sum()
        };
        let azs = provider.availability_zones;
        let mut placements = Vec::new();
        for (fi, f) in functions.iter().enumerate() {
            let Some(n) = ees[fi] else { continue };
            let shape = EeShape {
                vcpus: f.ee_vcpus(),
                memory_mib: f.ee_memory_mib(),
            };
            let key = format!("functions[{fi}].warm.execution_environments");
            let mut az_count = vec![0u32; azs as usize];
            // Whether functions before this one took room.
            let after_others = !placements.is_empty();
            for placed in 0..n {
                let mut order: Vec<u32> = (0..azs).collect();
                order.sort_by_key(|&a| (az_count[a as usize], a));
                let at = if instances_stated {
                    // The least-loaded instance with room, in the first AZ that has one.
                    order.iter().find_map(|&a| {
                        (0..rooms.len())
                            .filter(|&k| rooms[k].az == a && rooms[k].fits(shape))
                            .min_by_key(|&k| (rooms[k].ees, k))
                    })
                } else {
                    let a = order[0];
                    match (0..rooms.len()).find(|&k| rooms[k].az == a && rooms[k].fits(shape)) {
                        Some(k) => Some(k),
                        None => {
                            // Launch one of the function's type there, as `place` does.
                            let need = FleetNeed { ees: n, azs };
                            let Some(ty) = model.instance_selection.choose(
                                &provider.instance_types,
                                shape,
                                rv,
                                rm,
                                need,
                            ) else {
                                break;
                            };
                            let t = &provider.instance_types[ty];
                            if stated_vcpus(&rooms) + t.vcpus > provider.max_vcpu {
                                return Err(self.bad(
                                    key,
                                    n,
                                    format!(
                                        "function `{}` starts its EEs ({} vCPU each) on {} instances ({} vCPUs each, the type model.instance_selection picks), one AZ after another, and MaxVCpuCount ({}) leaves room for the instances of only {placed} EEs{}; state fewer EEs or raise MaxVCpuCount",
                                        f.name,
                                        shape.vcpus,
                                        t.name,
                                        t.vcpus,
                                        provider.max_vcpu,
                                        if after_others {
                                            " after those of the functions before it"
                                        } else {
                                            ""
                                        }
                                    ),
                                ));
                            }
                            let (uv, um) = usable(t, rv, rm);
                            rooms.push(Room {
                                ty,
                                az: a,
                                vcpus: uv,
                                mib: um,
                                ees: 0,
                            });
                            Some(rooms.len() - 1)
                        }
                    }
                };
                let Some(k) = at else {
                    return Err(self.bad(
                        key,
                        n,
                        format!(
                            "the instances of {WKEY}.instances ({}) have room for only {placed} EEs of function `{}` ({} vCPU and {} MiB each, after {rv} vCPU and {rm} MiB reserved per instance{}); state more or larger instances, or fewer EEs",
                            describe(&rooms, provider),
                            f.name,
                            shape.vcpus,
                            shape.memory_mib,
                            if after_others {
                                ", and the EEs of the functions before it"
                            } else {
                                ""
                            }
                        ),
                    ));
                };
                rooms[k].take(shape);
                az_count[rooms[k].az as usize] += 1;
                placements.push((fi, k));
            }
        }
        if instances_stated && let Some(k) = rooms.iter().position(|r| r.ees == 0) {
            let r = &rooms[k];
            let name = &provider.instance_types[r.ty].name;
            return Err(self.bad(
                type_key(name),
                rooms.iter().filter(|x| x.ty == r.ty).count(),
                format!(
                    "the stated EEs leave instance {} ({name} in AZ {}) without an EE, and LMI terminates an instance with no EE; state fewer instances or more EEs",
                    k + 1,
                    r.az
                ),
            ));
        }
        Ok(WarmFleet {
            ees,
            instances_stated,
            instances: rooms
                .iter()
                .map(|r| WarmInstance {
                    instance_type: r.ty,
                    az: r.az,
                })
                .collect(),
            placements,
        })
    }

    /// `capacity_provider.warm.instances`: allowed types and counts, within
    /// MaxVCpuCount, spread over AZs round-robin in the table's (name) order.
    fn stated_instances(
        &self,
        w: &RawWarmProvider,
        provider: &CapacityProvider,
        catalog: &[InstanceType],
        rv: u32,
        rm: u32,
    ) -> Result<Vec<Room>> {
        let form = "a table of instance type → count, e.g. instances = { \"c6i.2xlarge\" = 3 }";
        let Some(table) = &w.instances else {
            return Err(self.missing(format!("{WKEY}.instances"), form));
        };
        if table.is_empty() {
            return Err(self.bad(
                format!("{WKEY}.instances"),
                "{}",
                format!("at least one type: {form}"),
            ));
        }
        let mut rooms = Vec::new();
        let mut vcpus = 0u64;
        for (name, &count) in table {
            let key = type_key(name);
            let Some(ty) = provider.instance_types.iter().position(|t| &t.name == name) else {
                return Err(self.bad(key, count, not_allowed(name, provider, catalog)));
            };
            let count = self.int_in(
                &key,
                count,
                1,
                15_000,
                "an integer in 1..=15000 (omit the type for none)",
            )?;
            let t = &provider.instance_types[ty];
            vcpus += u64::from(t.vcpus) * u64::from(count);
            if vcpus > u64::from(provider.max_vcpu) {
                let total: u64 = table
                    .iter()
                    .filter_map(|(n, &c)| {
                        let t = provider.instance_types.iter().find(|t| &t.name == n)?;
                        Some(u64::from(t.vcpus) * c.max(0) as u64)
                    })
                    .sum();
                return Err(self.bad(
                    format!("{WKEY}.instances"),
                    inline_table(table),
                    format!(
                        "{total} vCPUs in all, above CapacityProviderScalingConfig.MaxVCpuCount ({}), which counts every instance",
                        provider.max_vcpu
                    ),
                ));
            }
            let (uv, um) = usable(t, rv, rm);
            for _ in 0..count {
                let az = rooms.len() as u32 % provider.availability_zones;
                rooms.push(Room {
                    ty,
                    az,
                    vcpus: uv,
                    mib: um,
                    ees: 0,
                });
            }
        }
        Ok(rooms)
    }
}

/// Why `name` is not one of the provider's types, and what is.
fn not_allowed(name: &str, provider: &CapacityProvider, catalog: &[InstanceType]) -> String {
    let arch = |a: Architecture| match a {
        Architecture::X86_64 => "x86_64",
        Architecture::Arm64 => "arm64",
    };
    let mut allowed: Vec<&str> = provider
        .instance_types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    let more = allowed.len().saturating_sub(12);
    allowed.truncate(12);
    let mut list = allowed.join(", ");
    if more > 0 {
        let _ = write!(list, ", … ({more} more)");
    }
    match catalog.iter().find(|t| t.name == name) {
        None => format!(
            "unknown instance type `{name}`: use a type of the built-in catalog or add it under [[pricing.instance_types]]; the provider's types: {list}"
        ),
        Some(t) if t.architecture != provider.architecture => format!(
            "`{name}` is an {} type but Architectures is [\"{}\"]; the provider's types: {list}",
            arch(t.architecture),
            arch(provider.architecture)
        ),
        Some(_) => format!(
            "`{name}` is not among the provider's types (InstanceRequirements.AllowedInstanceTypes / ExcludedInstanceTypes): {list}"
        ),
    }
}

/// "2 × c6i.2xlarge + 1 × c6i.4xlarge".
fn describe(rooms: &[Room], provider: &CapacityProvider) -> String {
    let mut parts: Vec<(usize, u32)> = Vec::new();
    for r in rooms {
        match parts.iter_mut().find(|p| p.0 == r.ty) {
            Some(p) => p.1 += 1,
            None => parts.push((r.ty, 1)),
        }
    }
    let v: Vec<String> = parts
        .iter()
        .map(|(ty, n)| format!("{n} × {}", provider.instance_types[*ty].name))
        .collect();
    v.join(" + ")
}

fn inline_table(t: &std::collections::BTreeMap<String, i64>) -> String {
    let v: Vec<String> = t.iter().map(|(k, c)| format!("{k:?} = {c}")).collect();
    format!("{{ {} }}", v.join(", "))
}
