//! Decoding internally tagged enums (`{"type": "crash", "node": 2}`) with less code.
//!
//! For `#[serde(tag = "type")]`, serde's derive reads the whole object into its private
//! buffer type and then runs a separate buffer deserializer for every struct variant;
//! in the browser build that costs a few kilobytes per enum. This module reads the
//! object once into its variant and a list of `(key, JSON value)` pairs, in code that is
//! generic only over the deserializer, and each variant then takes its fields from the
//! list. The format, the inputs accepted and the error messages and their order are
//! serde's: the tag may come anywhere in the object; a struct variant refuses unknown
//! and duplicate fields and names the first missing one, in the order the fields are
//! declared; a unit variant ignores other fields; the array form (`["crash", 2]`, the
//! tag first and then the fields in order) is accepted too. The tests compare every
//! enum decoded this way with serde's own derive on the same inputs.

use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::Value;

/// An internally tagged object, read: which variant it names, and the rest of it.
pub(crate) struct Tagged {
    /// The index of the variant in the enum's list of variant names.
    pub(crate) variant: usize,
    body: Body,
}

/// What came with the tag.
enum Body {
    /// The object's other members, in the order written.
    Map(Vec<(String, Value)>),
    /// The array form's elements after the tag.
    Sequence(Vec<Value>),
}

/// Reads a variant name and gives its index.
struct VariantName {
    variants: &'static [&'static str],
}

impl<'de> DeserializeSeed<'de> for VariantName {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for VariantName {
    type Value = usize;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("variant identifier")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<usize, E> {
        self.variants
            .iter()
            .position(|variant| *variant == name)
            .ok_or_else(|| E::unknown_variant(name, self.variants))
    }
}

/// Reads the tagged object or array.
struct TaggedVisitor {
    tag: &'static str,
    variants: &'static [&'static str],
    /// What the enum is called in messages, as serde's derive words it.
    expecting: &'static str,
}

impl<'de> Visitor<'de> for TaggedVisitor {
    type Value = Tagged;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(self.expecting)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Tagged, M::Error> {
        let mut variant = None;
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == self.tag {
                if variant.is_some() {
                    return Err(de::Error::duplicate_field(self.tag));
                }
                variant = Some(map.next_value_seed(VariantName {
                    variants: self.variants,
                })?);
            } else {
                members.push((key, map.next_value::<Value>()?));
            }
        }
        let variant = variant.ok_or_else(|| de::Error::missing_field(self.tag))?;
        Ok(Tagged {
            variant,
            body: Body::Map(members),
        })
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut sequence: S) -> Result<Tagged, S::Error> {
        let variant = sequence
            .next_element_seed(VariantName {
                variants: self.variants,
            })?
            .ok_or_else(|| de::Error::missing_field(self.tag))?;
        let mut elements = Vec::new();
        while let Some(element) = sequence.next_element::<Value>()? {
            elements.push(element);
        }
        Ok(Tagged {
            variant,
            body: Body::Sequence(elements),
        })
    }
}

/// serde's wording for "`count` elements in sequence".
struct InSequence(usize);

impl de::Expected for InSequence {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        if self.0 == 1 {
            formatter.write_str("1 element in sequence")
        } else {
            write!(formatter, "{} elements in sequence", self.0)
        }
    }
}

impl Tagged {
    /// Reads an internally tagged value whose tag member is `tag` and whose variants
    /// are named `variants`, in declaration order.
    pub(crate) fn read<'de, D: Deserializer<'de>>(
        deserializer: D,
        tag: &'static str,
        variants: &'static [&'static str],
        expecting: &'static str,
    ) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TaggedVisitor {
            tag,
            variants,
            expecting,
        })
    }

    /// Hands each field of a struct variant with the given field names to `take`, as
    /// its index in `fields` and its value, in the order written. Refuses unknown and
    /// duplicate fields as serde does. `required` is how many fields the array form
    /// must have (the fields after them have defaults); `expecting` names the variant
    /// (`struct variant Action::Crash`) for a too-short array.
    pub(crate) fn fields<E: de::Error>(
        self,
        fields: &'static [&'static str],
        required: usize,
        expecting: &str,
        mut take: impl FnMut(usize, Value) -> Result<(), E>,
    ) -> Result<(), E> {
        match self.body {
            Body::Map(members) => {
                let mut seen = vec![false; fields.len()];
                for (key, value) in members {
                    let Some(index) = fields.iter().position(|field| *field == key) else {
                        return Err(E::unknown_field(&key, fields));
                    };
                    if seen[index] {
                        return Err(E::duplicate_field(fields[index]));
                    }
                    seen[index] = true;
                    take(index, value)?;
                }
                Ok(())
            }
            Body::Sequence(elements) => {
                let count = elements.len();
                if count < required {
                    // serde decodes the elements there are before it finds the array
                    // short, and counts every field in its message.
                    for (index, value) in elements.into_iter().enumerate() {
                        take(index, value)?;
                    }
                    let total = fields.len();
                    let expected = format!("{expecting} with {total} element{}", plural(total));
                    return Err(E::invalid_length(count, &expected.as_str()));
                }
                let used = count.min(fields.len());
                for (index, value) in elements.into_iter().take(used).enumerate() {
                    take(index, value)?;
                }
                if count > used {
                    return Err(E::invalid_length(count, &InSequence(used)));
                }
                Ok(())
            }
        }
    }
}

impl Tagged {
    /// Accepts a unit variant as serde does: its object may hold anything else, but its
    /// array form must hold nothing after the tag.
    pub(crate) fn unit<E: de::Error>(self) -> Result<(), E> {
        match self.body {
            Body::Sequence(elements) if !elements.is_empty() => {
                Err(E::invalid_length(elements.len(), &InSequence(0)))
            }
            _ => Ok(()),
        }
    }
}

impl Tagged {
    /// The one field of a struct variant with a single required field.
    pub(crate) fn one<T: DeserializeOwned, E: de::Error>(
        self,
        fields: &'static [&'static str],
        expecting: &str,
    ) -> Result<T, E> {
        let mut slot = None;
        self.fields(fields, 1, expecting, |_, json| {
            slot = Some(decode(json)?);
            Ok(())
        })?;
        required(slot, fields[0])
    }

    /// The two fields of a struct variant with two required fields.
    pub(crate) fn two<A: DeserializeOwned, B: DeserializeOwned, E: de::Error>(
        self,
        fields: &'static [&'static str],
        expecting: &str,
    ) -> Result<(A, B), E> {
        let (mut first, mut second) = (None, None);
        self.fields(fields, 2, expecting, |index, json| {
            match index {
                0 => first = Some(decode(json)?),
                _ => second = Some(decode(json)?),
            }
            Ok(())
        })?;
        let first = required(first, fields[0])?;
        Ok((first, required(second, fields[1])?))
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// Decodes one field's value, with the error worded as serde words it for a buffered
/// value (no position; the enclosing object's position is added by the caller's
/// deserializer).
pub(crate) fn decode<T: DeserializeOwned, E: de::Error>(value: Value) -> Result<T, E> {
    T::deserialize(value).map_err(E::custom)
}

/// The value of a required field, or serde's error naming the first missing one.
pub(crate) fn required<T, E: de::Error>(slot: Option<T>, field: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(field))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod tests {
    //! Every enum decoded with [`Tagged`] is compared here with serde's derive on the
    //! same type declaration, over generated objects and arrays: the same values come
    //! out, and the same error messages at the same positions.

    use proptest::prelude::*;
    use serde::Deserialize;
    use serde_json::Value;

    fn cases() -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or(256)
    }

    /// A JSON value of any kind, small.
    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (0u64..6).prop_map(Value::from),
            Just(Value::from(5_000_000_000u64)),
            (-3i64..0).prop_map(Value::from),
            Just(serde_json::json!(1.5)),
            "[a-z]{0,3}".prop_map(Value::String),
            Just(serde_json::json!([])),
            Just(serde_json::json!([[1], 2])),
            Just(serde_json::json!(["fixed", 2])),
            Just(serde_json::json!({})),
            Just(serde_json::json!({"distribution": "fixed", "ms": 1})),
            Just(serde_json::json!({"distribution": "uniform", "min_ms": 1})),
            Just(serde_json::json!({"op": "read"})),
        ]
    }

    /// The text of an object made of `members` (keys may repeat), or of an array made
    /// of the values, each value printed as JSON.
    fn render(members: &[(String, Value)], as_array: bool) -> String {
        let parts: Vec<String> = members
            .iter()
            .map(|(key, value)| {
                if as_array {
                    value.to_string()
                } else {
                    format!("{}: {value}", Value::String(key.clone()))
                }
            })
            .collect();
        if as_array {
            format!("[{}]", parts.join(", "))
        } else {
            format!("{{{}}}", parts.join(", "))
        }
    }

    /// Texts of objects and arrays shaped like the enum: the tag with a variant name (or
    /// a wrong one), field names of every variant, and values of every kind.
    pub(crate) fn tagged_texts(
        tag: &'static str,
        variants: &'static [&'static str],
        fields: &'static [&'static str],
    ) -> impl Strategy<Value = String> {
        let name = prop_oneof![
            prop::sample::select(variants).prop_map(|name| Value::String(name.to_string())),
            Just(Value::String("nope".to_string())),
            leaf(),
        ];
        let key = prop_oneof![
            4 => prop::sample::select(fields).prop_map(str::to_string),
            1 => Just("extra".to_string()),
            1 => Just(tag.to_string()),
        ];
        (
            name,
            0usize..4,
            prop::collection::vec((key, leaf()), 0..5),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(move |(name, at, mut members, as_array, with_tag)| {
                if with_tag {
                    let at = if as_array { 0 } else { at.min(members.len()) };
                    members.insert(at, (tag.to_string(), name));
                }
                render(&members, as_array)
            })
    }

    /// Decodes `text` as `A` and as `B` inside an object with a member after it (so
    /// that errors get positions) and alone, and checks both give the same.
    pub(crate) fn assert_same<A, B>(text: &str)
    where
        A: for<'de> Deserialize<'de> + std::fmt::Debug,
        B: for<'de> Deserialize<'de> + std::fmt::Debug,
    {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Holder<T> {
            value: T,
            after: u8,
        }
        let render = |result: Result<String, serde_json::Error>| match result {
            Ok(debug) => Ok(debug),
            Err(error) => Err(error.to_string()),
        };
        let contexts = [
            format!("{{\"value\": {text}, \"after\": 1}}"),
            format!("{{\"after\": 1, \"value\": {text}}}"),
        ];
        for context in &contexts {
            let ours = render(
                serde_json::from_str::<Holder<A>>(context).map(|v| format!("{:?}", v.value)),
            );
            let serdes = render(
                serde_json::from_str::<Holder<B>>(context).map(|v| format!("{:?}", v.value)),
            );
            assert_eq!(ours, serdes, "for {context}");
        }
        let ours = render(serde_json::from_str::<A>(text).map(|v| format!("{v:?}")));
        let serdes = render(serde_json::from_str::<B>(text).map(|v| format!("{v:?}")));
        assert_eq!(ours, serdes, "for {text}");
    }

    /// `Operation` as serde derives it.
    #[derive(Debug, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
    #[allow(dead_code)]
    enum Operation {
        Put {
            key: String,
            value: String,
        },
        Get {
            key: String,
        },
        Cas {
            key: String,
            expected: Option<String>,
            new: String,
        },
        AddServer {
            id: u32,
        },
        RemoveServer {
            id: u32,
        },
    }

    #[test]
    fn hand_written_cases_decode_as_the_derive_does() {
        for text in [
            r#"{"type": "put", "key": "k", "value": "v"}"#,
            r#"{"key": "k", "type": "put", "value": "v"}"#,
            r#"{"type": "cas", "key": "k", "new": "n"}"#,
            r#"{"type": "cas", "key": "k", "expected": null, "new": "n"}"#,
            r#"{"type": "put", "key": "k"}"#,
            r#"{"type": "put", "key": "k", "key": "j", "value": "v"}"#,
            r#"{"type": "put", "type": "put", "key": "k", "value": "v"}"#,
            r#"{"type": "get", "key": 5}"#,
            r#"{"type": "get", "key": "k", "value": "v"}"#,
            r#"{"type": "fly"}"#,
            r#"{"type": 3}"#,
            r#"{"key": "k"}"#,
            r#"["get", "k"]"#,
            r#"["put", "k"]"#,
            r#"["get", "k", "j"]"#,
            r#"["cas", "k", null, "n"]"#,
            r#"[]"#,
            r#"[5]"#,
            r#""put""#,
            r#"null"#,
            r#"{"type": "add_server", "id": 5000000000}"#,
            r#"{"type": "remove_server", "id": 2}"#,
        ] {
            assert_same::<crate::labs::raft::Operation, Operation>(text);
        }
    }

    /// `Action` as serde derives it.
    #[derive(Debug, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
    #[allow(dead_code)]
    enum Action {
        Crash {
            node: u32,
        },
        Restart {
            node: u32,
        },
        Pause {
            node: u32,
        },
        Resume {
            node: u32,
        },
        AddNode,
        RemoveNode {
            node: u32,
        },
        CutLink {
            from: u32,
            to: u32,
        },
        CutLinkBoth {
            from: u32,
            to: u32,
        },
        HealLink {
            from: u32,
            to: u32,
        },
        Isolate {
            node: u32,
        },
        Partition {
            groups: Vec<Vec<u32>>,
        },
        HealAll,
        SetLink {
            from: u32,
            to: u32,
            #[serde(default)]
            latency: Option<crate::network::Latency>,
            #[serde(default)]
            loss_probability: Option<f64>,
        },
        ClientRequest {
            node: u32,
            request: Value,
        },
        Lab {
            name: String,
            #[serde(default)]
            args: Value,
        },
    }

    #[test]
    fn hand_written_actions_decode_as_the_derive_does() {
        for text in [
            r#"{"type": "crash", "node": 1}"#,
            r#"{"node": 1, "type": "isolate"}"#,
            r#"{"type": "add_node", "node": 1, "junk": [1]}"#,
            r#"{"type": "heal_all"}"#,
            r#"["heal_all", 1, 2]"#,
            r#"{"type": "partition", "groups": [[0, 1], [2]]}"#,
            r#"{"type": "partition", "groups": [[0, -1]]}"#,
            r#"{"type": "set_link", "from": 0, "to": 1}"#,
            r#"{"type": "set_link", "from": 0, "to": 1, "latency": null, "loss_probability": 0.5}"#,
            r#"{"type": "set_link", "from": 0, "to": 1, "latency": {"distribution": "fixed", "ms": 2}}"#,
            r#"{"type": "set_link", "from": 0, "to": 1, "latency": {"distribution": "gamma"}}"#,
            r#"["set_link", 0, 1]"#,
            r#"["set_link", 0]"#,
            r#"["set_link", 0, 1, null, 0.1, 7]"#,
            r#"{"type": "client_request", "node": 0, "request": {"op": "read"}}"#,
            r#"{"type": "client_request", "node": 0}"#,
            r#"{"type": "client_request", "request": null}"#,
            r#"{"type": "lab", "name": "kill"}"#,
            r#"{"type": "lab", "name": "kill", "args": {"node": 1}}"#,
            r#"["lab", "kill"]"#,
            r#"{"type": "cut_link", "from": 0, "to": 1, "to": 2}"#,
            r#"{"type": "crash", "node": 1, "when": 3}"#,
            r#"{"type": "crash"}"#,
            r#"{"type": "explode"}"#,
            r#"{"node": 1}"#,
        ] {
            assert_same::<crate::event::Action, Action>(text);
        }
    }

    /// `Latency` as serde derives it.
    #[derive(Debug, Deserialize)]
    #[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
    #[allow(dead_code)]
    enum Latency {
        Fixed { ms: f64 },
        Uniform { min_ms: f64, max_ms: f64 },
        Normal { mean_ms: f64, std_dev_ms: f64 },
    }

    /// `ServiceTime` as serde derives it.
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case", tag = "distribution", deny_unknown_fields)]
    #[allow(dead_code)]
    enum ServiceTime {
        Fixed { ms: f64 },
        Uniform { ms_min: f64, ms_max: f64 },
        Exponential { mean_ms: f64 },
    }

    /// `Policy` as serde derives it.
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case", tag = "type", deny_unknown_fields)]
    #[allow(dead_code)]
    enum Policy {
        RoundRobin,
        WeightedRoundRobin,
        LeastConnections,
        LeastResponseTime,
        ConsistentHash,
        PowerOfTwoChoices,
        Random,
    }

    /// `BroadcastRequest` as serde derives it.
    #[derive(Debug, Deserialize)]
    #[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
    #[allow(dead_code)]
    enum BroadcastRequest {
        Store { value: u64 },
        Read,
    }

    #[test]
    fn a_variant_index_inside_a_set_link_latency_array_is_refused_like_everywhere_else() {
        // serde's derive buffered the action, and its buffer reads a number where a
        // variant name belongs as the variant's index, so `[0, 5]` was a fixed latency
        // inside a set_link action but refused as the network's latency. Decoding the
        // field on its own refuses it in both places.
        let text = r#"{"type": "set_link", "from": 0, "to": 1, "latency": [0, 5]}"#;
        let error = serde_json::from_str::<crate::event::Action>(text).expect_err("refused");
        assert!(
            error
                .to_string()
                .starts_with("invalid type: integer `0`, expected variant identifier"),
            "{error}"
        );
        let network = r#"{"latency": [0, 5]}"#;
        let error =
            serde_json::from_str::<crate::scenario::NetworkSpec>(network).expect_err("refused");
        assert!(
            error
                .to_string()
                .starts_with("invalid type: integer `0`, expected variant identifier"),
            "{error}"
        );
        let text = r#"{"type": "set_link", "from": 0, "to": 1, "latency": ["fixed", 5]}"#;
        assert!(serde_json::from_str::<crate::event::Action>(text).is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        #[test]
        fn actions_decode_as_the_derive_does(text in tagged_texts(
            "type",
            crate::event::ACTION_TYPES,
            &["node", "from", "to", "groups", "latency", "loss_probability", "request", "name", "args"],
        )) {
            assert_same::<crate::event::Action, Action>(&text);
        }

        #[test]
        fn latencies_decode_as_the_derive_does(text in tagged_texts(
            "distribution",
            &["fixed", "uniform", "normal"],
            &["ms", "min_ms", "max_ms", "mean_ms", "std_dev_ms"],
        )) {
            assert_same::<crate::network::Latency, Latency>(&text);
        }

        #[test]
        fn service_times_decode_as_the_derive_does(text in tagged_texts(
            "distribution",
            &["fixed", "uniform", "exponential"],
            &["ms", "ms_min", "ms_max", "mean_ms"],
        )) {
            assert_same::<crate::labs::loadbalancing::config::ServiceTime, ServiceTime>(&text);
        }

        #[test]
        fn policies_decode_as_the_derive_does(text in tagged_texts(
            "type",
            crate::labs::loadbalancing::policy::POLICY_TYPES,
            &["weight", "key"],
        )) {
            assert_same::<crate::labs::loadbalancing::Policy, Policy>(&text);
        }

        #[test]
        fn broadcast_requests_decode_as_the_derive_does(text in tagged_texts(
            "op",
            &["store", "read"],
            &["value"],
        )) {
            assert_same::<crate::labs::broadcast::BroadcastRequest, BroadcastRequest>(&text);
        }

        #[test]
        fn operations_decode_as_the_derive_does(text in tagged_texts(
            "type",
            &["put", "get", "cas", "add_server", "remove_server"],
            &["key", "value", "expected", "new", "id"],
        )) {
            assert_same::<crate::labs::raft::Operation, Operation>(&text);
        }
    }
}
