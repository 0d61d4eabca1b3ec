//! A macro for operation-code enums: a name per known code, `Unknown(code)`
//! for the rest, and the conversions both ways. Used by AIN and INAP.

/// Defines `$ty` with one variant per `$name = $code, $label;` and
/// `Unknown($code_ty)`, plus `from_code`, `code`, `name` and `ALL`.
macro_rules! opcode_enum {
    (
        $(#[$m:meta])*
        $ty:ident : $code_ty:ty, unknown = $unknown:literal;
        $($name:ident = $code:literal, $label:literal;)*
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $ty {
            $(#[doc = $label] $name,)*
            /// An operation code this codec has no name for.
            Unknown($code_ty),
        }

        impl $ty {
            /// The name for a code.
            pub fn from_code(code: $code_ty) -> Self {
                match code {
                    $($code => $ty::$name,)*
                    other => $ty::Unknown(other),
                }
            }

            /// The operation code.
            pub fn code(self) -> $code_ty {
                match self {
                    $($ty::$name => $code,)*
                    $ty::Unknown(c) => c,
                }
            }

            /// The spec's name for the operation, or the unknown label.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$name => $label,)*
                    $ty::Unknown(_) => $unknown,
                }
            }

            /// Every named operation code.
            pub const ALL: &'static [$ty] = &[$($ty::$name,)*];
        }
    };
}

pub(crate) use opcode_enum;
