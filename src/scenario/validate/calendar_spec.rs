//! `[calendar]`: the month as typical days (the scenario itself) and special
//! days (the scenario with `KEY=VALUE` edits, as `--set` writes them), into a
//! [`Calendar`] whose special days are validated scenarios of their own.
//!
//! ```toml
//! [calendar]
//! typical_days = 29                    # optional: the pricing month less the special days
//! [[calendar.special]]
//! name = "black-friday"
//! days = 1
//! set = ["functions[0].traffic.rate_multiplier=4"]
//! ```

use super::*;
use crate::overrides::{self, Set};
use crate::scenario::{Calendar, SpecialDay};
use crate::sweep::path::Step;

/// Most days a calendar month may hold.
pub const MAX_MONTH_DAYS: f64 = 31.0;
/// Most kinds of special day.
const MAX_SPECIAL: usize = 31;

const DAYS_RULE: &str = "a number of days > 0 (fractions allowed)";

impl Cx<'_> {
    /// The calendar of `v` for the scenario `sc` parsed from `text`.
    pub(super) fn calendar(&self, v: &Value, text: &str, sc: &Scenario) -> Result<Calendar> {
        let t = v.as_table().ok_or_else(|| {
            self.bad(
                "calendar",
                v,
                "a table: [calendar] with typical_days and [[calendar.special]] entries",
            )
        })?;
        self.check_keys("calendar", t, &["typical_days", "special"], "in [calendar]")?;
        let entries: &[Value] = match t.get("special") {
            None => &[],
            Some(Value::Array(a)) => a,
            Some(other) => {
                return Err(self.bad(
                    "calendar.special",
                    other,
                    "an array of tables: [[calendar.special]] name = \"…\", days = N, set = [\"KEY=VALUE\", …]",
                ));
            }
        };
        if entries.len() > MAX_SPECIAL {
            return Err(self.bad(
                "calendar.special",
                format!("{} entries", entries.len()),
                format!("at most {MAX_SPECIAL} kinds of special day"),
            ));
        }
        let mut special: Vec<SpecialDay> = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let day = self.special_day(i, e, text, sc)?;
            if special.iter().any(|d| d.name == day.name) || day.name == "typical" {
                return Err(self.bad(
                    format!("calendar.special[{i}].name"),
                    quoted(&day.name),
                    "a name no other special day has, and not \"typical\" (the scenario's own day)",
                ));
            }
            special.push(day);
        }
        let special_days: f64 = special.iter().map(|d| d.days).sum();
        let month_days = sc.pricing.month_hours / 24.0;
        let typical_days = match t.get("typical_days") {
            None => {
                let left = month_days - special_days;
                if left < 0.0 {
                    return Err(self.bad(
                        "calendar.special",
                        format!("{special_days} special days"),
                        format!(
                            "at most the pricing month's {month_days:.2} days (pricing.month_hours = {} / 24) when typical_days is not set",
                            sc.pricing.month_hours
                        ),
                    ));
                }
                left
            }
            Some(v) => match num_value(v) {
                Some(x) if x.is_finite() && x >= 0.0 => x,
                _ => return Err(self.bad("calendar.typical_days", v, "a number of days >= 0")),
            },
        };
        let total = typical_days + special_days;
        if total <= 0.0 || total > MAX_MONTH_DAYS {
            return Err(self.bad(
                "calendar.typical_days",
                typical_days,
                format!(
                    "typical and special days that make a month of more than 0 and at most {MAX_MONTH_DAYS} days (these make {total})"
                ),
            ));
        }
        Ok(Calendar {
            typical_days,
            special,
        })
    }

    fn special_day(&self, i: usize, v: &Value, text: &str, sc: &Scenario) -> Result<SpecialDay> {
        let key = format!("calendar.special[{i}]");
        let t = v.as_table().ok_or_else(|| {
            self.bad(
                &key,
                v,
                "a table: name = \"…\", days = N, set = [\"KEY=VALUE\", …]",
            )
        })?;
        self.check_keys(&key, t, &["name", "days", "set"], &format!("in [{key}]"))?;
        let name = match t.get("name") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => return Err(self.bad(format!("{key}.name"), other, NAME_RULE)),
        };
        let name = self.name(&format!("{key}.name"), name.as_ref())?;
        let days = match t.get("days") {
            None => return Err(self.missing(format!("{key}.days"), DAYS_RULE)),
            Some(v) => match num_value(v) {
                Some(x) if x.is_finite() && x > 0.0 && x <= MAX_MONTH_DAYS => x,
                _ => return Err(self.bad(format!("{key}.days"), v, DAYS_RULE)),
            },
        };
        let set_rule = "an array of \"KEY=VALUE\" edits of the scenario, as `--set` takes them (e.g. [\"functions[0].traffic.rate_multiplier=4\"])";
        let items: &[Value] = match t.get("set") {
            None => return Err(self.missing(format!("{key}.set"), set_rule)),
            Some(Value::Array(a)) if !a.is_empty() => a,
            Some(other) => return Err(self.bad(format!("{key}.set"), other, set_rule)),
        };
        let mut sets = Vec::with_capacity(items.len());
        for (j, it) in items.iter().enumerate() {
            let k = format!("{key}.set[{j}]");
            let Value::String(s) = it else {
                return Err(self.bad(k, it, set_rule));
            };
            let set = Set::parse(s).map_err(|m| self.bad(&k, quoted(s), m))?;
            if let Some(Step::Key(first)) = set.path.steps.first()
                && matches!(first.as_str(), "seed" | "calendar")
            {
                return Err(self.bad(
                    k,
                    quoted(s),
                    "an edit of anything but `seed` (every day of the month runs with the scenario's seed) and `calendar`",
                ));
            }
            sets.push(set);
        }
        let scenario = self.special_scenario(&key, text, &sets)?;
        let names = |s: &Scenario| {
            s.functions
                .iter()
                .map(|f| f.name.clone())
                .collect::<Vec<_>>()
        };
        if names(&scenario) != names(sc) {
            return Err(self.bad(
                format!("{key}.set"),
                format!("functions {:?}", names(&scenario)),
                format!(
                    "edits that keep the scenario's functions, in order: {:?} (a month adds up each function's days)",
                    names(sc)
                ),
            ));
        }
        let spills = |s: &Scenario| {
            s.functions
                .iter()
                .map(|f| f.spill_over.is_some())
                .collect::<Vec<_>>()
        };
        if spills(&scenario) != spills(sc) {
            return Err(self.bad(
                format!("{key}.set"),
                format!("{:?}", overrides::records(&sets)),
                "edits that keep each function's spill-over on or off as the scenario has it (the month's LMI + spill-over adds up every day's blend)",
            ));
        }
        Ok(SpecialDay {
            name,
            days,
            sets: overrides::records(&sets),
            scenario: Box::new(scenario),
        })
    }

    /// The scenario of `text` without its calendar, with `sets` applied.
    fn special_scenario(&self, key: &str, text: &str, sets: &[Set]) -> Result<Scenario> {
        let mut doc = match text.parse::<Table>() {
            Ok(t) => Value::Table(t),
            Err(e) => return Err(self.bad(key, "(the file)", format!("a TOML table: {e}"))),
        };
        if let Value::Table(t) = &mut doc {
            t.remove("calendar");
        }
        overrides::apply(&mut doc, sets, self.file).map_err(|m| {
            self.bad(
                format!("{key}.set"),
                format!("{:?}", overrides::records(sets)),
                m.replace("--set ", ""),
            )
        })?;
        let edited = toml::to_string(&doc).map_err(|e| {
            self.bad(
                format!("{key}.set"),
                "(the edited scenario)",
                format!("a scenario TOML can hold: {e}"),
            )
        })?;
        from_toml_str(&edited, self.file, self.base_dir).map_err(|e| {
            self.bad(
                format!("{key}.set"),
                format!("{:?}", overrides::records(sets)),
                format!(
                    "edits that leave a valid scenario; with them: {}",
                    overrides::without_snippet(&e)
                ),
            )
        })
    }
}
