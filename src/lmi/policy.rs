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

/// The fleet a function needs when an instance type is chosen for it: `ees`
/// EEs, spread round-robin over `azs` AZs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FleetNeed {
    pub ees: u32,
    pub azs: u32,
}

impl FleetNeed {
    /// EEs in the fullest AZ, and how many AZs hold that many (the others
    /// hold one fewer).
    pub fn per_az(self) -> (u32, u32) {
        let (ees, azs) = (self.ees.max(1), self.azs.max(1));
        if ees.is_multiple_of(azs) {
            (ees / azs, azs)
        } else {
            (ees / azs + 1, ees % azs)
        }
    }
}

/// What the instances of one type cost for a fleet need: per AZ ceil(EEs in
/// that AZ / EEs per instance) instances.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FleetPlan {
    /// Index into the provider's types.
    pub ty: usize,
    pub need: FleetNeed,
    /// vCPUs of one instance after the reserve.
    pub usable_vcpus: u32,
    pub ees_per_instance: u32,
    /// EEs in the fullest AZ.
    pub max_per_az: u32,
    pub instances: u32,
    /// On-demand price of those instances [USD/h].
    pub usd_per_hour: f64,
}

/// The plan of type `ty` for `need`, or `None` if it holds no EE.
pub fn fleet_plan(
    types: &[InstanceType],
    ty: usize,
    ee: EeShape,
    rv: u32,
    rm: u32,
    need: FleetNeed,
) -> Option<FleetPlan> {
    let t = &types[ty];
    let per = ees_per_instance(t, ee, rv, rm);
    if per == 0 {
        return None;
    }
    let (top, full) = need.per_az();
    let azs = need.azs.max(1).min(need.ees.max(1));
    let instances = full * top.div_ceil(per) + (azs - full) * (top - 1).div_ceil(per);
    Some(FleetPlan {
        ty,
        need,
        usable_vcpus: usable(t, rv, rm).0,
        ees_per_instance: per,
        max_per_az: top,
        instances,
        usd_per_hour: instances as f64 * t.ondemand_usd_per_hour,
    })
}

/// A type chosen for a function, with what it costs for the fleet it was
/// chosen for (what the summary explains).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InstanceChoice {
    pub policy: InstanceSelection,
    pub plan: FleetPlan,
    /// The cheapest other type for that fleet (`cheapest_for_fleet` only).
    pub runner_up: Option<FleetPlan>,
}

/// Chooses which instance type to launch for a function's EEs. Called when
/// EEs are placed, never per invocation.
pub trait InstanceChooser: Send {
    /// Index into `types`, or `None` if no type holds one EE.
    fn choose(
        &self,
        types: &[InstanceType],
        ee: EeShape,
        reserved_vcpus: u32,
        reserved_mib: u32,
        need: FleetNeed,
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

/// The index of the lowest `score` among the types that hold one EE, but
/// `skip`; scores within `tie` of each other tie, and ties go to fewer vCPUs,
/// then catalog order.
fn lowest(
    types: &[InstanceType],
    ee: EeShape,
    (rv, rm): (u32, u32),
    skip: Option<usize>,
    tie: f64,
    score: impl Fn(usize) -> f64,
) -> Option<usize> {
    let mut best: Option<(f64, u32, usize)> = None;
    for (i, t) in types.iter().enumerate() {
        if Some(i) == skip || ees_per_instance(t, ee, rv, rm) == 0 {
            continue;
        }
        let s = score(i);
        let better = match best {
            None => true,
            Some((b, v, _)) => s < b - tie || ((s - b).abs() <= tie && t.vcpus < v),
        };
        if better {
            best = Some((s, t.vcpus, i));
        }
    }
    best.map(|b| b.2)
}

impl InstanceSelection {
    /// Scores within this of each other are a tie: $10⁻⁹/h for a fleet's
    /// price, and the old policies' 10⁻¹² for theirs.
    fn tie(&self) -> f64 {
        match self {
            InstanceSelection::CheapestForFleet => 1e-9,
            _ => 1e-12,
        }
    }

    /// The score `choose` minimises for type `i`.
    fn score(
        &self,
        types: &[InstanceType],
        i: usize,
        ee: EeShape,
        rv: u32,
        rm: u32,
        need: FleetNeed,
    ) -> f64 {
        let t = &types[i];
        match self {
            InstanceSelection::CheapestForFleet => {
                fleet_plan(types, i, ee, rv, rm, need).map_or(f64::INFINITY, |p| p.usd_per_hour)
            }
            InstanceSelection::CheapestPerUsableVcpu => {
                t.ondemand_usd_per_hour / usable(t, rv, rm).0.max(1) as f64
            }
            InstanceSelection::CheapestFitting => t.ondemand_usd_per_hour,
        }
    }

    /// `choose`, with the plan of the chosen type for `need` (and, for
    /// `cheapest_for_fleet`, of the runner-up).
    pub fn decide(
        &self,
        types: &[InstanceType],
        ee: EeShape,
        rv: u32,
        rm: u32,
        need: FleetNeed,
    ) -> Option<InstanceChoice> {
        let ty = self.choose(types, ee, rv, rm, need)?;
        let plan = fleet_plan(types, ty, ee, rv, rm, need)?;
        let runner_up = match self {
            InstanceSelection::CheapestForFleet => {
                lowest(types, ee, (rv, rm), Some(ty), self.tie(), |i| {
                    self.score(types, i, ee, rv, rm, need)
                })
                .and_then(|j| fleet_plan(types, j, ee, rv, rm, need))
            }
            _ => None,
        };
        Some(InstanceChoice {
            policy: *self,
            plan,
            runner_up,
        })
    }
}

impl InstanceChooser for InstanceSelection {
    fn choose(
        &self,
        types: &[InstanceType],
        ee: EeShape,
        rv: u32,
        rm: u32,
        need: FleetNeed,
    ) -> Option<usize> {
        lowest(types, ee, (rv, rm), None, self.tie(), |i| {
            self.score(types, i, ee, rv, rm, need)
        })
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
        let need = FleetNeed { ees: 3, azs: 3 };
        let i = InstanceSelection::CheapestPerUsableVcpu
            .choose(&types, ee, 1, 1024, need)
            .unwrap();
        assert_eq!(types[i].name, "c6i.16xlarge");
        let j = InstanceSelection::CheapestFitting
            .choose(&types, ee, 1, 1024, need)
            .unwrap();
        // c6i.large has 1 usable vCPU: too small for a 2-vCPU EE.
        assert_eq!(types[j].name, "c6i.xlarge");
        assert_eq!(types[j].architecture, Architecture::X86_64);
        assert_eq!(ees_per_instance(&types[j], ee, 1, 1024), 1);
    }

    fn ty(name: &str, vcpus: u32, gib: u32, usd: f64) -> InstanceType {
        InstanceType {
            name: name.into(),
            vcpus,
            memory_mib: gib * 1024,
            architecture: Architecture::Arm64,
            ondemand_usd_per_hour: usd,
        }
    }

    /// Hand-computed: 1-vCPU, 2-GiB EEs, 1 vCPU + 1 GiB reserved, so `small`
    /// (4 vCPUs, 8 GiB) holds 3 EEs, `mid` (8, 16) 7 and `big` (64, 128) 63.
    #[test]
    fn cheapest_for_fleet_prices_the_instances_each_az_needs() {
        let types = vec![
            ty("big", 64, 128, 2.32),
            ty("mid", 8, 16, 0.29),
            ty("small", 4, 8, 0.145),
        ];
        let ee = EeShape {
            vcpus: 1,
            memory_mib: 2048,
        };
        let pick = |ees, azs| {
            let c = InstanceSelection::CheapestForFleet
                .decide(&types, ee, 1, 1024, FleetNeed { ees, azs })
                .unwrap();
            (types[c.plan.ty].name.as_str(), c.plan.instances)
        };
        // 3 EEs over 3 AZs: one per AZ; small 3 × 0.145 < mid 3 × 0.29 < big 3 × 2.32.
        assert_eq!(pick(3, 3), ("small", 3));
        // 12 over 3 AZs, 4 per AZ: small 2 per AZ (6 × 0.145 = 0.87) ties mid
        // 1 per AZ (3 × 0.29 = 0.87): the smaller type.
        assert_eq!(pick(12, 3), ("small", 6));
        // 60 over 3 AZs, 20 per AZ: small 7 per AZ (21 × 0.145 = 3.045), mid 3
        // per AZ (9 × 0.29 = 2.61), big 1 per AZ (3 × 2.32 = 6.96).
        assert_eq!(pick(60, 3), ("mid", 9));
        // 62 over 1 AZ: small 21 (3.045), mid 9 (2.61), big 1 (2.32).
        assert_eq!(pick(62, 1), ("big", 1));
        // 2 EEs over 3 AZs: two instances, not three.
        assert_eq!(pick(2, 3), ("small", 2));
        // 7 over 3 AZs (3, 2, 2): small 1 each (0.435) beats mid (0.87).
        let c = InstanceSelection::CheapestForFleet
            .decide(&types, ee, 1, 1024, FleetNeed { ees: 7, azs: 3 })
            .unwrap();
        assert_eq!((c.plan.max_per_az, c.plan.instances), (3, 3));
        assert!((c.plan.usd_per_hour - 0.435).abs() < 1e-12);
        assert_eq!(c.runner_up.map(|r| types[r.ty].name.as_str()), Some("mid"));
        // The old policies ignore the fleet.
        let i = InstanceSelection::CheapestPerUsableVcpu
            .choose(&types, ee, 1, 1024, FleetNeed { ees: 3, azs: 3 })
            .unwrap();
        assert_eq!(types[i].name, "big");
    }

    /// The provider: arm64, 1-vCPU EEs, 3 per function over 3 AZs.
    #[test]
    fn cheapest_for_fleet_does_not_launch_a_16xlarge_for_three_small_ees() {
        let types: Vec<_> = builtin()
            .into_iter()
            .filter(|t| t.architecture == Architecture::Arm64)
            .filter(crate::catalog::default_candidate)
            .collect();
        let ee = EeShape {
            vcpus: 1,
            memory_mib: 2048,
        };
        let need = FleetNeed { ees: 3, azs: 3 };
        let old = InstanceSelection::CheapestPerUsableVcpu
            .choose(&types, ee, 1, 1024, need)
            .unwrap();
        assert_eq!(types[old].vcpus, 64, "{}", types[old].name);
        let c = InstanceSelection::CheapestForFleet
            .decide(&types, ee, 1, 1024, need)
            .unwrap();
        // m6g.large: 1 usable vCPU and 7 GiB hold one EE, $0.077/h.
        assert_eq!(types[c.plan.ty].name, "m6g.large");
        assert_eq!(c.plan.instances, 3);
    }
}
