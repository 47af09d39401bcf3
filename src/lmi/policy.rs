//! LMI policies as traits that answer with decisions; only the model changes
//! state. The defaults follow docs/model.md, "Instance families" and "Scaler";
//! other policies (predictive, step scaling, other instance choices) plug in
//! through these traits.

use crate::catalog::InstanceType;
use crate::ids::FunctionId;
use crate::scenario::InstanceSelection;
use crate::time::{SimDuration, SimTime};

/// What the scaler reads for one function at a tick.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Signals {
    /// Busy vCPU-time / Ready-EE vCPU-time over the last interval, in [0, 1].
    pub cpu_utilization: f64,
    /// In-flight-time / Ready-EE slot-time over the last interval, in [0, 1].
    pub slot_saturation: f64,
    /// Ready EEs now (not counting ones being replaced by rotation).
    pub ready: u32,
    /// Ready + initializing + waiting for an instance (what scale-out already asked for).
    pub total: u32,
    pub min_ees: u32,
    pub max_ees: u32,
    /// Target utilisation as a fraction.
    pub target: f64,
}

/// The scaler's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleAction {
    /// Nothing to do.
    Hold,
    /// Start this many EEs.
    Out(u32),
    /// Desired is below current, but not for long enough yet.
    Cooldown,
    /// Drain this many EEs.
    In(u32),
}

impl ScaleAction {
    /// Which kind of action this is, without its count.
    pub fn kind(self) -> ScalerAction {
        match self {
            ScaleAction::Hold => ScalerAction::Hold,
            ScaleAction::Out(_) => ScalerAction::ScaleOut,
            ScaleAction::Cooldown => ScalerAction::Cooldown,
            ScaleAction::In(_) => ScalerAction::ScaleIn,
        }
    }
}

/// The kind of a scaler decision, as `decisions.csv` records it. The
/// discriminants are its encoding in a `RowLog`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalerAction {
    Hold = 0,
    ScaleOut = 1,
    Cooldown = 2,
    ScaleIn = 3,
}

impl ScalerAction {
    /// Every action, in discriminant order.
    pub const ALL: [ScalerAction; 4] = [
        ScalerAction::Hold,
        ScalerAction::ScaleOut,
        ScalerAction::Cooldown,
        ScalerAction::ScaleIn,
    ];

    /// Its name in `decisions.csv`.
    pub fn name(self) -> &'static str {
        match self {
            ScalerAction::Hold => "hold",
            ScalerAction::ScaleOut => "scale_out",
            ScalerAction::Cooldown => "cooldown",
            ScalerAction::ScaleIn => "scale_in",
        }
    }
}

impl serde::Serialize for ScalerAction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A scaling decision with the desired count that led to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub desired: u32,
    pub action: ScaleAction,
}

/// A scaling policy: called every `scaler_interval` per function.
pub trait ScalerPolicy: Send {
    fn decide(&mut self, function: FunctionId, now: SimTime, s: &Signals) -> Decision;
}

/// The default target-tracking policy (docs/model.md, "Scaler"):
/// desired = round(ready × max(cpu, saturation) / target), clamped to [min, max];
/// scale out at once; scale in only after `cooldown` of desired < current, at most
/// `step` of the EEs per interval.
pub struct TargetTracking {
    pub cooldown: SimDuration,
    pub step: f64,
    below_since: Vec<Option<SimTime>>,
}

impl TargetTracking {
    pub fn new(functions: usize, cooldown: SimDuration, step: f64) -> Self {
        TargetTracking {
            cooldown,
            step,
            below_since: vec![None; functions],
        }
    }
}

impl ScalerPolicy for TargetTracking {
    fn decide(&mut self, f: FunctionId, now: SimTime, s: &Signals) -> Decision {
        let f = f.index();
        let load = s.cpu_utilization.max(s.slot_saturation);
        // Rounded to the nearest EE, not up: rounding up keeps every steady
        // fleet above its target's size (and one-minute noise adds EEs that
        // the cooldown is slow to remove), so the mean CPU settled 2–4 points
        // below the target (docs/model.md, "Scaler").
        let raw = (s.ready as f64 * load / s.target).round().max(0.0) as u32;
        let desired = raw.clamp(s.min_ees, s.max_ees);
        let action = if desired > s.total {
            self.below_since[f] = None;
            ScaleAction::Out(desired - s.total)
        } else if desired < s.total {
            let since = *self.below_since[f].get_or_insert(now);
            if now.since(since) >= self.cooldown {
                let cap = ((s.total as f64 * self.step).floor() as u32).max(1);
                ScaleAction::In((s.total - desired).min(cap))
            } else {
                ScaleAction::Cooldown
            }
        } else {
            self.below_since[f] = None;
            ScaleAction::Hold
        };
        Decision { desired, action }
    }
}

/// Shape of one EE, for instance choice and placement.
#[derive(Clone, Copy, Debug)]
pub struct EeShape {
    pub vcpus: u32,
    pub memory_mib: u32,
}

/// Chooses which instance type to launch for a function's EEs.
pub trait InstanceChooser: Send {
    /// Index into `types`, or `None` if no type holds one EE.
    fn choose(
        &self,
        types: &[InstanceType],
        ee: EeShape,
        reserved_vcpus: u32,
        reserved_mib: u32,
    ) -> Option<usize>;
}

/// Usable capacity of a type after the OS/agent reserve.
pub fn usable(t: &InstanceType, reserved_vcpus: u32, reserved_mib: u32) -> (u32, u32) {
    (
        t.vcpus.saturating_sub(reserved_vcpus),
        t.memory_mib.saturating_sub(reserved_mib),
    )
}

/// How many EEs of `ee` fit on one instance of `t`.
pub fn ees_per_instance(t: &InstanceType, ee: EeShape, rv: u32, rm: u32) -> u32 {
    let (v, m) = usable(t, rv, rm);
    if ee.vcpus == 0 || ee.memory_mib == 0 {
        return 0;
    }
    (v / ee.vcpus).min(m / ee.memory_mib)
}

impl InstanceChooser for InstanceSelection {
    fn choose(&self, types: &[InstanceType], ee: EeShape, rv: u32, rm: u32) -> Option<usize> {
        let mut best: Option<(f64, u32, usize)> = None;
        for (i, t) in types.iter().enumerate() {
            if ees_per_instance(t, ee, rv, rm) == 0 {
                continue;
            }
            let score = match self {
                InstanceSelection::CheapestPerUsableVcpu => {
                    t.ondemand_usd_per_hour / usable(t, rv, rm).0.max(1) as f64
                }
                InstanceSelection::CheapestFitting => t.ondemand_usd_per_hour,
            };
            // Ties: fewer vCPUs, then catalog order.
            let better = match best {
                None => true,
                Some((s, v, _)) => score < s - 1e-12 || ((score - s).abs() <= 1e-12 && t.vcpus < v),
            };
            if better {
                best = Some((score, t.vcpus, i));
            }
        }
        best.map(|b| b.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builtin;
    use crate::scenario::Architecture;

    fn sig(ready: u32, total: u32, cpu: f64, sat: f64) -> Signals {
        Signals {
            cpu_utilization: cpu,
            slot_saturation: sat,
            ready,
            total,
            min_ees: 3,
            max_ees: 100,
            target: 0.5,
        }
    }

    #[test]
    fn target_tracking_scales_out_and_waits_to_scale_in() {
        let mut p = TargetTracking::new(1, SimDuration::from_secs(600), 0.1);
        let d = p.decide(FunctionId(0), SimTime(0), &sig(10, 10, 0.9, 0.4));
        assert_eq!(
            d,
            Decision {
                desired: 18,
                action: ScaleAction::Out(8)
            }
        );
        let d = p.decide(FunctionId(0), SimTime(0), &sig(20, 20, 0.25, 0.1));
        assert_eq!(d.desired, 10);
        assert_eq!(d.action, ScaleAction::Cooldown);
        let d = p.decide(FunctionId(0), SimTime(599_999_999), &sig(20, 20, 0.25, 0.1));
        assert_eq!(d.action, ScaleAction::Cooldown);
        let d = p.decide(FunctionId(0), SimTime(600_000_000), &sig(20, 20, 0.25, 0.1));
        assert_eq!(d.action, ScaleAction::In(2));
        // Exactly at target: hold.
        let d = p.decide(FunctionId(0), SimTime(0), &sig(10, 10, 0.5, 0.2));
        assert_eq!(d.action, ScaleAction::Hold);
    }

    #[test]
    fn actions_keep_their_names_and_codes() {
        let names = ScalerAction::ALL.map(ScalerAction::name);
        assert_eq!(names, ["hold", "scale_out", "cooldown", "scale_in"]);
        for (i, a) in ScalerAction::ALL.into_iter().enumerate() {
            assert_eq!(a as usize, i);
        }
        assert_eq!(ScaleAction::Hold.kind(), ScalerAction::Hold);
        assert_eq!(ScaleAction::Out(3).kind(), ScalerAction::ScaleOut);
        assert_eq!(ScaleAction::Cooldown.kind(), ScalerAction::Cooldown);
        assert_eq!(ScaleAction::In(2).kind(), ScalerAction::ScaleIn);
        let json = serde_json::to_string(&ScalerAction::ScaleOut).unwrap();
        assert_eq!(json, "\"scale_out\"");
    }

    #[test]
    fn cheapest_per_usable_vcpu_prefers_large_types() {
        let types: Vec<_> = builtin()
            .into_iter()
            .filter(|t| t.name.starts_with("c6i."))
            .collect();
        let ee = EeShape {
            vcpus: 2,
            memory_mib: 4096,
        };
        let i = InstanceSelection::CheapestPerUsableVcpu
            .choose(&types, ee, 1, 1024)
            .unwrap();
        assert_eq!(types[i].name, "c6i.16xlarge");
        let j = InstanceSelection::CheapestFitting
            .choose(&types, ee, 1, 1024)
            .unwrap();
        // c6i.large has 1 usable vCPU: too small for a 2-vCPU EE.
        assert_eq!(types[j].name, "c6i.xlarge");
        assert_eq!(types[j].architecture, Architecture::X86_64);
        assert_eq!(ees_per_instance(&types[j], ee, 1, 1024), 1);
    }
}
