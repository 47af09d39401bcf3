//! A function's SQS event source: a SAM `SQS` event or an
//! `AWS::Lambda::EventSourceMapping`, with its queue's `VisibilityTimeout`
//! and `RedrivePolicy` when the queue is a resource of the template.

use super::super::InitError;
use super::{Field, Layers, Node, QUEUE, Res, SqsPlan, Template, getatt, shown};

impl<'a> Template<'a> {
    /// The queue resource an SQS ARN expression names, if it is one of this template.
    pub(super) fn queue_resource(&self, n: &Node) -> Option<String> {
        let rid = match getatt(n) {
            Some((rid, _)) => rid,
            None => match n {
                Node::Fn(f, a) if f == "Ref" => a.as_str()?.to_string(),
                _ => return None,
            },
        };
        (self.type_of(&rid) == Some(QUEUE)).then_some(rid)
    }

    pub(super) fn is_sqs(&self, n: &Node) -> bool {
        if self.queue_resource(n).is_some() {
            return true;
        }
        matches!(self.resolver.resolve(n), Res::Known(Node::Str(s), _) if s.contains(":sqs:"))
    }

    pub(super) fn sqs(
        &self,
        l: &Layers<'a>,
        from: &str,
        queue: Option<&Node>,
        prefix: &str,
        skip: &[&str],
    ) -> Result<SqsPlan, InitError> {
        let mut modelled = vec![
            "BatchSize",
            "MaximumBatchingWindowInSeconds",
            "ScalingConfig",
        ];
        modelled.extend_from_slice(skip);
        let mut ignored: Vec<(String, String)> = self
            .ignored(l, &[], &modelled)
            .into_iter()
            .map(|(k, v)| (format!("{prefix}.{k}"), v))
            .collect();
        ignored.extend(
            self.ignored(l, &["ScalingConfig"], &["MaximumConcurrency"])
                .into_iter()
                .map(|(k, v)| (format!("{prefix}.{k}"), v)),
        );
        let (visibility_s, max_receive) = match queue.and_then(|q| self.queue_resource(q)) {
            Some(q) => {
                let ql = self.layers(&q);
                // A map (its maxReceiveCount read alone: the DLQ's ARN is
                // often a `!GetAtt`), or the JSON text of one.
                let max_receive = match ql.find(&["RedrivePolicy"]) {
                    None => Field::Absent,
                    Some((Node::Map(_), _)) => {
                        self.int(&ql, &["RedrivePolicy", "maxReceiveCount"])?
                    }
                    Some((raw, from)) => match self.resolver.resolve(raw) {
                        Res::Unknown(expr) => Field::Unresolved { from, expr },
                        Res::Known(v, note) => {
                            let parsed = match &v {
                                Node::Str(s) => super::super::node::parse(s, &from).ok(),
                                other => Some(other.clone()),
                            };
                            let n = match parsed.as_ref().and_then(|p| p.get("maxReceiveCount")) {
                                Some(Node::Int(i)) => Some(*i),
                                Some(Node::Str(s)) => s.trim().parse::<i64>().ok(),
                                _ => None,
                            };
                            match n {
                                Some(n) => Field::Value {
                                    v: n,
                                    from: format!("{from}.maxReceiveCount"),
                                    note,
                                },
                                None => {
                                    return Err(self.bad(
                                        &from,
                                        raw,
                                        "expected a RedrivePolicy with an integer maxReceiveCount",
                                    ));
                                }
                            }
                        }
                    },
                };
                (self.int(&ql, &["VisibilityTimeout"])?, max_receive)
            }
            None => (Field::Absent, Field::Absent),
        };
        Ok(SqsPlan {
            from: from.to_string(),
            queue: queue.map_or("(none)".to_string(), shown),
            batch_size: self.int(l, &["BatchSize"])?,
            window_s: self.num(l, &["MaximumBatchingWindowInSeconds"])?,
            max_concurrency: self.int(l, &["ScalingConfig", "MaximumConcurrency"])?,
            visibility_s,
            max_receive,
            ignored,
        })
    }
}
