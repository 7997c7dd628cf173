//! Enums that travel as snake_case text (JSON, SQL, CSV): one definition gives the serde
//! names, `as_str`, `parse`, the list of values and a message-ready list of choices.

macro_rules! text_enum {
    // `Name as SchemaName { … }` documents the type under another name, where two share one.
    ($(#[$m:meta])* $name:ident $(as $schema:ident)? { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        $(#[schema(as = $schema)])?
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            /// The accepted values, for error messages.
            pub fn choices() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }
    };
}
pub(crate) use text_enum;
