//! The two macros of the crate, for what only a macro can declare: enum variants and named
//! methods.
//!
//! Every entity offers a chainable setter per field (`Model::new("m").path("./m.pkl")`); writing
//! them by hand would triple the size of each file without adding anything a reader needs.

/// Extensible string enum: known variants plus `Unknown(String)`, (de)serialized as a string.
///
/// Parsing is lenient the way the service and Python are: case-insensitive, and `_`/`-` are
/// ignored, so `aml_token`, `AMLToken` and `amltoken` are the same value.
///
/// A macro because each enum declares its own variants and wire spellings; a generic type
/// cannot declare variants, and the known spellings must be matched in one place per enum.
macro_rules! string_enum {
    // `Name (word = accessor) { Variant = "Wire" / "word", … }`: the enum also gets its
    // condition-language words (Azure Monitor's `avg`, `>=`, …), each written once: the
    // variant's doc, the public accessor and the table that prints and parses rules are all
    // made from it. `ConditionWords` is named as the invoking module sees it (the trait belongs
    // to `monitor`, which uses this form; entities do not depend on monitor).
    (
        $(#[$meta:meta])*
        $name:ident $( (default = $default:ident) )? (word = $accessor:ident) {
            $( $variant:ident = $wire:literal / $word:literal ),+ $(,)?
        }
    ) => {
        string_enum! {
            $(#[$meta])*
            $name $( (default = $default) )? {
                $( #[doc = concat!("`", $word, "`.")] $variant = $wire ),+
            }
        }

        impl ConditionWords for $name {
            const WORDS: &'static [(Self, &'static str)] = &[$( (Self::$variant, $word) ),+];
        }

        impl $name {
            #[doc = concat!(
                "The condition-language word of this value, `None` for an unknown one:",
                $( " `", $word, "`" ),+, "."
            )]
            pub fn $accessor(&self) -> Option<&'static str> {
                <Self as ConditionWords>::word(self)
            }
        }
    };
    (
        $(#[$meta:meta])*
        $name:ident $( (default = $default:ident) )? {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the crate does not know (kept as sent).
            Unknown(String),
        }

        // `Name (default = Variant) { … }` (a derive cannot mark a variant of a macro-declared enum).
        $(
            impl Default for $name {
                fn default() -> Self {
                    Self::$default
                }
            }
        )?

        impl $name {
            /// The canonical wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(s) => s.as_str(),
                }
            }

            /// Parses leniently (case-insensitive, `_`/`-` ignored); never fails.
            pub fn parse(s: &str) -> Self {
                let wanted = $crate::entities::macros::normalize(s);
                $(
                    if wanted == $crate::entities::macros::normalize($wire) {
                        return Self::$variant;
                    }
                )+
                Self::Unknown(s.to_owned())
            }

            /// True for [`Self::Unknown`].
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }

            /// The wire spellings of the known values, in declaration order (what the service
            /// accepts when this value is sent).
            pub fn known_values() -> &'static [&'static str] {
                &[$($wire),+]
            }
        }

        impl $crate::entities::macros::LenientEnum for $name {
            fn parse_lenient(s: &str) -> Self {
                Self::parse(s)
            }

            fn is_unknown(&self) -> bool {
                Self::is_unknown(self)
            }

            fn known_values() -> &'static [&'static str] {
                Self::known_values()
            }

            fn wire(&self) -> &str {
                self.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(s))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::parse(s)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::parse(&s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }
    };
}

/// What every [`string_enum!`] type offers, for code generic over them (the YAML loader rejects
/// unknown values of whichever enum a field has).
pub(crate) trait LenientEnum: Sized {
    /// See the enum's `parse`.
    fn parse_lenient(s: &str) -> Self;
    /// See the enum's `is_unknown`.
    fn is_unknown(&self) -> bool;
    /// See the enum's `known_values`.
    fn known_values() -> &'static [&'static str];
    /// The value as sent.
    fn wire(&self) -> &str;
}

/// Lower-cases and drops `_`, `-` and spaces, for lenient enum matching.
pub(crate) fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Chainable setters, one per field (`Model::new("m").path("./m.pkl")`). A macro because each
/// setter is a method with its own name, which a function or a generic cannot declare.
///
/// - `into: field: T` sets `field = value.into()`;
/// - `some: field: T` sets `field = Some(value.into())`;
/// - `exact: field: T` sets `field = Some(value)` (numbers: lets literals infer their type);
/// - `map: field / one` makes `field(pairs)`, which replaces the map, and `one(k, v)`, which
///   adds an entry.
macro_rules! setters {
    (into: $($field:ident : $ty:ty),+ $(,)?) => {
        $(
            #[doc = concat!("Sets `", stringify!($field), "`.")]
            pub fn $field(mut self, value: impl Into<$ty>) -> Self {
                self.$field = value.into();
                self
            }
        )+
    };
    (some: $($field:ident : $ty:ty),+ $(,)?) => {
        $(
            #[doc = concat!("Sets `", stringify!($field), "`.")]
            pub fn $field(mut self, value: impl Into<$ty>) -> Self {
                self.$field = Some(value.into());
                self
            }
        )+
    };
    (exact: $($field:ident : $ty:ty),+ $(,)?) => {
        $(
            #[doc = concat!("Sets `", stringify!($field), "`.")]
            pub fn $field(mut self, value: $ty) -> Self {
                self.$field = Some(value);
                self
            }
        )+
    };
    (map: $($field:ident / $one:ident),+ $(,)?) => {
        $(
            #[doc = concat!("Replaces `", stringify!($field), "` with the given pairs.")]
            pub fn $field<K: Into<String>, V: Into<String>>(
                mut self,
                pairs: impl IntoIterator<Item = (K, V)>,
            ) -> Self {
                self.$field = pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
                self
            }

            #[doc = concat!("Adds one entry to `", stringify!($field), "`.")]
            pub fn $one(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
                self.$field.insert(key.into(), value.into());
                self
            }
        )+
    };
}

pub(crate) use {setters, string_enum};
