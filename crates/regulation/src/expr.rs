//! Rule expressions: CEL, parsed by the `cel` crate and type-checked here.
//!
//! The `cel` crate parses and evaluates but has no checker, so this module
//! infers the type of every sub-expression against the environment a rule
//! sees (`applicant`, `form`, `documents`, `registries`, `provider`,
//! `channel`, `variant`, `now`). Unknown variables, unknown fields, operands
//! of the wrong type and non-boolean rules are errors. `dyn` is accepted
//! wherever the type cannot be known (it is never produced by the
//! environment itself, only by calls we do not model).

use std::collections::BTreeMap;
use std::fmt;

use cel::common::ast::{ComprehensionExpr, Expr, IdedExpr, LiteralValue};

use crate::syntax::{FieldType, FormField};

/// A CEL type as far as rule checking needs it.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Null,
    Timestamp,
    Duration,
    List(Box<Type>),
    Map(Box<Type>, Box<Type>),
    /// A message with known fields.
    Object(&'static str, BTreeMap<String, Type>),
    Dyn,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Uint => f.write_str("uint"),
            Type::Double => f.write_str("double"),
            Type::String => f.write_str("string"),
            Type::Bytes => f.write_str("bytes"),
            Type::Null => f.write_str("null"),
            Type::Timestamp => f.write_str("timestamp"),
            Type::Duration => f.write_str("duration"),
            Type::List(item) => write!(f, "list({item})"),
            Type::Map(key, value) => write!(f, "map({key}, {value})"),
            Type::Object(name, _) => f.write_str(name),
            Type::Dyn => f.write_str("dyn"),
        }
    }
}

impl Type {
    fn compatible(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::Dyn, _) | (_, Type::Dyn) => true,
            (Type::List(a), Type::List(b)) => a.compatible(b),
            (Type::Map(ka, va), Type::Map(kb, vb)) => ka.compatible(kb) && va.compatible(vb),
            (Type::Object(a, _), Type::Object(b, _)) => a == b,
            _ => self == other,
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Uint | Type::Double | Type::Dyn)
    }
}

fn object(name: &'static str, fields: &[(&str, Type)]) -> Type {
    Type::Object(
        name,
        fields
            .iter()
            .map(|(field, ty)| ((*field).to_owned(), ty.clone()))
            .collect(),
    )
}

/// The names of the registries rules can read.
pub const REGISTRIES: [&str; 5] = [
    "unemployed",
    "targeted_social_assistance",
    "semipalatinsk_victims",
    "oralman",
    "foreign_labour_permits",
];

/// The variables a rule expression sees.
pub struct Env {
    variables: BTreeMap<String, Type>,
}

impl Env {
    /// The environment of a regulation whose form declares `form`.
    pub fn for_form(form: &[FormField]) -> Env {
        let applicant = object(
            "applicant",
            &[
                ("iin", Type::String),
                ("bin", Type::String),
                ("kind", Type::String),
                ("region", Type::String),
                ("age", Type::Int),
                ("birth_date", Type::Timestamp),
                ("citizen", Type::Bool),
                ("resident", Type::Bool),
            ],
        );
        let record = object(
            "registry_record",
            &[
                ("region", Type::String),
                ("active", Type::Bool),
                ("since", Type::Timestamp),
                ("until", Type::Timestamp),
                ("quarters", Type::List(Box::new(Type::String))),
                ("number", Type::String),
                ("kind", Type::String),
            ],
        );
        let registry = Type::Map(Box::new(Type::String), Box::new(record));
        let registries = Type::Object(
            "registries",
            REGISTRIES
                .iter()
                .map(|name| ((*name).to_owned(), registry.clone()))
                .collect(),
        );
        let form = Type::Object(
            "form",
            form.iter()
                .map(|field| {
                    let ty = match field.ty {
                        FieldType::String | FieldType::Enum => Type::String,
                        FieldType::Int => Type::Int,
                        FieldType::Bool => Type::Bool,
                        FieldType::Date => Type::Timestamp,
                    };
                    (field.id.clone(), ty)
                })
                .collect(),
        );
        let provider = object(
            "provider",
            &[("region", Type::String), ("id", Type::String)],
        );
        let variables = [
            ("applicant", applicant),
            ("form", form),
            (
                "documents",
                Type::Map(Box::new(Type::String), Box::new(Type::Bool)),
            ),
            ("registries", registries),
            ("provider", provider),
            ("channel", Type::String),
            ("variant", Type::String),
            ("now", Type::Timestamp),
        ]
        .into_iter()
        .map(|(name, ty)| (name.to_owned(), ty))
        .collect();
        Env { variables }
    }
}

/// Why an expression is rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// `expr-syntax` or `expr-type`.
    pub code: &'static str,
    pub message: String,
    /// Byte offset inside the expression text, when known.
    pub offset: Option<usize>,
}

/// The longest expression accepted, in bytes.
pub const MAX_EXPR_BYTES: usize = 4096;
/// The deepest expression tree checked.
const MAX_DEPTH: usize = 64;

/// Parses `text` as CEL and checks that it has type `bool`.
pub fn check_bool(text: &str, env: &Env) -> Result<(), ExprError> {
    if text.len() > MAX_EXPR_BYTES {
        return Err(ExprError {
            code: "expr-syntax",
            message: format!("the expression is longer than {MAX_EXPR_BYTES} bytes"),
            offset: None,
        });
    }
    let parsed = std::panic::catch_unwind(|| cel::parser::Parser::new().parse(text));
    let ast = match parsed {
        Ok(Ok(ast)) => ast,
        Ok(Err(errors)) => {
            let first = errors.errors.first();
            let message = first.map_or_else(|| "invalid CEL".to_owned(), |error| error.msg.clone());
            let offset = first
                .and_then(|error| usize::try_from(error.pos.1).ok())
                .and_then(|col| {
                    // The parser reports a column on the (only) line.
                    text.char_indices().nth(col).map(|(i, _)| i)
                });
            return Err(ExprError {
                code: "expr-syntax",
                message: format!("CEL syntax error: {message}"),
                offset,
            });
        }
        Err(_) => {
            return Err(ExprError {
                code: "expr-syntax",
                message: "CEL syntax error: the parser rejected the expression".into(),
                offset: None,
            });
        }
    };
    let mut checker = Checker {
        scopes: vec![env.variables.clone()],
        depth: 0,
    };
    let ty = checker.infer(&ast)?;
    if !ty.compatible(&Type::Bool) {
        return Err(ExprError {
            code: "expr-type",
            message: format!("a rule must be a `bool` expression, this one is `{ty}`"),
            offset: None,
        });
    }
    Ok(())
}

struct Checker {
    scopes: Vec<BTreeMap<String, Type>>,
    depth: usize,
}

fn type_error(message: String) -> ExprError {
    ExprError {
        code: "expr-type",
        message,
        offset: None,
    }
}

impl Checker {
    fn lookup(&self, name: &str) -> Option<&Type> {
        self.scopes.iter().rev().find_map(|scope| scope.get(name))
    }

    fn infer(&mut self, expr: &IdedExpr) -> Result<Type, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(type_error(format!(
                "the expression is nested deeper than {MAX_DEPTH} levels"
            )));
        }
        let result = self.infer_inner(&expr.expr);
        self.depth -= 1;
        result
    }

    fn infer_inner(&mut self, expr: &Expr) -> Result<Type, ExprError> {
        match expr {
            Expr::Unspecified => Ok(Type::Dyn),
            Expr::Literal(literal) => Ok(match literal {
                LiteralValue::Boolean(_) => Type::Bool,
                LiteralValue::Bytes(_) => Type::Bytes,
                LiteralValue::Double(_) => Type::Double,
                LiteralValue::Int(_) => Type::Int,
                LiteralValue::Null => Type::Null,
                LiteralValue::String(_) => Type::String,
                LiteralValue::UInt(_) => Type::Uint,
            }),
            Expr::Ident(name) => self.lookup(name).cloned().ok_or_else(|| {
                let known: Vec<&String> = self.scopes[0].keys().collect();
                type_error(format!(
                    "unknown variable `{name}`; rules can use {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }),
            Expr::Select(select) => {
                let operand = self.infer(&select.operand)?;
                let field_ty = self.field(&operand, &select.field)?;
                Ok(if select.test { Type::Bool } else { field_ty })
            }
            Expr::List(list) => {
                let mut item = None::<Type>;
                for element in &list.elements {
                    let ty = self.infer(element)?;
                    item = Some(match item {
                        None => ty,
                        Some(previous) if previous.compatible(&ty) => previous,
                        Some(_) => Type::Dyn,
                    });
                }
                Ok(Type::List(Box::new(item.unwrap_or(Type::Dyn))))
            }
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let cel::common::ast::EntryExpr::MapEntry(entry) = &entry.expr {
                        self.infer(&entry.key)?;
                        self.infer(&entry.value)?;
                    }
                }
                Ok(Type::Map(Box::new(Type::Dyn), Box::new(Type::Dyn)))
            }
            Expr::Struct(structure) => Err(type_error(format!(
                "message construction `{}{{...}}` is not available in rules",
                structure.type_name
            ))),
            Expr::Comprehension(comprehension) => self.comprehension(comprehension),
            Expr::Call(call) => self.call(&call.func_name, call.target.as_deref(), &call.args),
        }
    }

    fn field(&self, operand: &Type, field: &str) -> Result<Type, ExprError> {
        match operand {
            Type::Object(name, fields) => fields.get(field).cloned().ok_or_else(|| {
                let known: Vec<String> = fields.keys().map(|k| format!("`{k}`")).collect();
                let known = if known.is_empty() {
                    "none are declared (declare form fields in `form:`)".to_owned()
                } else {
                    known.join(", ")
                };
                type_error(format!(
                    "`{name}` has no field `{field}`; its fields: {known}"
                ))
            }),
            Type::Map(key, value) if key.compatible(&Type::String) => Ok((**value).clone()),
            Type::Dyn => Ok(Type::Dyn),
            other => Err(type_error(format!(
                "cannot select `.{field}` on a `{other}`"
            ))),
        }
    }

    fn comprehension(&mut self, comprehension: &ComprehensionExpr) -> Result<Type, ExprError> {
        let range = self.infer(&comprehension.iter_range)?;
        let (first, second) = match &range {
            Type::List(item) => (
                if comprehension.iter_var2.is_some() {
                    Type::Int
                } else {
                    (**item).clone()
                },
                (**item).clone(),
            ),
            Type::Map(key, value) => ((**key).clone(), (**value).clone()),
            Type::Dyn => (Type::Dyn, Type::Dyn),
            other => return Err(type_error(format!("cannot iterate over a `{other}`"))),
        };
        let accumulator = self.infer(&comprehension.accu_init)?;
        let mut scope = BTreeMap::new();
        scope.insert(comprehension.iter_var.clone(), first);
        if let Some(var2) = &comprehension.iter_var2 {
            scope.insert(var2.clone(), second);
        }
        scope.insert(comprehension.accu_var.clone(), accumulator);
        self.scopes.push(scope);
        let result = (|| {
            let condition = self.infer(&comprehension.loop_cond)?;
            if !condition.compatible(&Type::Bool) {
                return Err(type_error(format!(
                    "a loop condition must be `bool`, not `{condition}`"
                )));
            }
            self.infer(&comprehension.loop_step)?;
            self.infer(&comprehension.result)
        })();
        self.scopes.pop();
        result
    }

    fn call(
        &mut self,
        name: &str,
        target: Option<&IdedExpr>,
        args: &[IdedExpr],
    ) -> Result<Type, ExprError> {
        use cel::common::ast::operators as op;

        let target_ty = match target {
            Some(target) => Some(self.infer(target)?),
            None => None,
        };
        let mut arg_types = Vec::with_capacity(args.len());
        for arg in args {
            arg_types.push(self.infer(arg)?);
        }
        let expect = |ty: &Type, want: &Type, what: &str| -> Result<(), ExprError> {
            if ty.compatible(want) {
                Ok(())
            } else {
                Err(type_error(format!("{what} must be `{want}`, found `{ty}`")))
            }
        };
        match (name, target_ty.as_ref(), arg_types.as_slice()) {
            (op::LOGICAL_AND | op::LOGICAL_OR, None, [a, b]) => {
                let word = if name == op::LOGICAL_AND { "&&" } else { "||" };
                expect(a, &Type::Bool, &format!("the left operand of `{word}`"))?;
                expect(b, &Type::Bool, &format!("the right operand of `{word}`"))?;
                Ok(Type::Bool)
            }
            (op::LOGICAL_NOT, None, [a]) | (op::NOT_STRICTLY_FALSE, None, [a]) => {
                expect(a, &Type::Bool, "the operand of `!`")?;
                Ok(Type::Bool)
            }
            (op::NEGATE, None, [a]) => {
                if a.is_numeric() || matches!(a, Type::Duration) {
                    Ok(a.clone())
                } else {
                    Err(type_error(format!("cannot negate a `{a}`")))
                }
            }
            (op::EQUALS | op::NOT_EQUALS, None, [a, b]) => {
                let comparable = a.compatible(b)
                    || matches!(a, Type::Null)
                    || matches!(b, Type::Null)
                    || (a.is_numeric() && b.is_numeric());
                if comparable {
                    Ok(Type::Bool)
                } else {
                    Err(type_error(format!("cannot compare a `{a}` with a `{b}`")))
                }
            }
            (op::LESS | op::LESS_EQUALS | op::GREATER | op::GREATER_EQUALS, None, [a, b]) => {
                let ordered = |t: &Type| {
                    t.is_numeric()
                        || matches!(
                            t,
                            Type::String
                                | Type::Timestamp
                                | Type::Duration
                                | Type::Bytes
                                | Type::Bool
                        )
                };
                if ordered(a)
                    && ordered(b)
                    && (a.compatible(b) || (a.is_numeric() && b.is_numeric()))
                {
                    Ok(Type::Bool)
                } else {
                    Err(type_error(format!("cannot order a `{a}` against a `{b}`")))
                }
            }
            (op::ADD, None, [a, b]) => match (a, b) {
                (Type::Timestamp, Type::Duration) | (Type::Duration, Type::Timestamp) => {
                    Ok(Type::Timestamp)
                }
                (Type::List(_), Type::List(_))
                | (Type::String, Type::String)
                | (Type::Bytes, Type::Bytes) => Ok(a.clone()),
                (Type::Duration, Type::Duration) => Ok(Type::Duration),
                _ if a.is_numeric() && a.compatible(b) => Ok(if *a == Type::Dyn {
                    b.clone()
                } else {
                    a.clone()
                }),
                _ => Err(type_error(format!("cannot add a `{a}` and a `{b}`"))),
            },
            (op::SUBSTRACT, None, [a, b]) => match (a, b) {
                (Type::Timestamp, Type::Timestamp) => Ok(Type::Duration),
                (Type::Timestamp, Type::Duration) => Ok(Type::Timestamp),
                (Type::Duration, Type::Duration) => Ok(Type::Duration),
                _ if a.is_numeric() && a.compatible(b) => Ok(a.clone()),
                _ => Err(type_error(format!("cannot subtract a `{b}` from a `{a}`"))),
            },
            (op::MULTIPLY | op::DIVIDE | op::MODULO, None, [a, b]) => {
                if a.is_numeric() && a.compatible(b) {
                    Ok(a.clone())
                } else {
                    Err(type_error(format!(
                        "arithmetic needs two numbers of one type, found `{a}` and `{b}`"
                    )))
                }
            }
            (op::CONDITIONAL, None, [condition, then, otherwise]) => {
                expect(condition, &Type::Bool, "the condition of `? :`")?;
                if then.compatible(otherwise) {
                    Ok(if *then == Type::Dyn {
                        otherwise.clone()
                    } else {
                        then.clone()
                    })
                } else {
                    Err(type_error(format!(
                        "the branches of `? :` differ: `{then}` and `{otherwise}`"
                    )))
                }
            }
            (op::INDEX | op::OPT_INDEX, None, [container, index]) => match container {
                Type::List(item) => {
                    expect(index, &Type::Int, "a list index")?;
                    Ok((**item).clone())
                }
                Type::Map(key, value) => {
                    expect(index, key, "a map key")?;
                    Ok((**value).clone())
                }
                Type::Dyn => Ok(Type::Dyn),
                other => Err(type_error(format!("cannot index a `{other}`"))),
            },
            (op::IN, None, [item, container]) => match container {
                Type::List(element) => {
                    expect(item, element, "the left side of `in`")?;
                    Ok(Type::Bool)
                }
                Type::Map(key, _) => {
                    expect(item, key, "the left side of `in`")?;
                    Ok(Type::Bool)
                }
                Type::Dyn => Ok(Type::Bool),
                other => Err(type_error(format!(
                    "`in` needs a list or a map on the right, found `{other}`"
                ))),
            },
            ("size", None, [a]) | ("size", Some(a), []) => match a {
                Type::String | Type::Bytes | Type::List(_) | Type::Map(_, _) | Type::Dyn => {
                    Ok(Type::Int)
                }
                other => Err(type_error(format!(
                    "`size` needs a string, list or map, found `{other}`"
                ))),
            },
            ("startsWith" | "endsWith" | "contains" | "matches", Some(a), [b]) => {
                expect(a, &Type::String, &format!("the receiver of `{name}`"))?;
                expect(b, &Type::String, &format!("the argument of `{name}`"))?;
                Ok(Type::Bool)
            }
            ("lowerAscii" | "upperAscii" | "trim", Some(a), []) => {
                expect(a, &Type::String, &format!("the receiver of `{name}`"))?;
                Ok(Type::String)
            }
            ("int", None, [_]) => Ok(Type::Int),
            ("uint", None, [_]) => Ok(Type::Uint),
            ("double", None, [_]) => Ok(Type::Double),
            ("string", None, [_]) => Ok(Type::String),
            ("timestamp", None, [a]) => {
                expect(a, &Type::String, "the argument of `timestamp`")?;
                Ok(Type::Timestamp)
            }
            ("duration", None, [a]) => {
                expect(a, &Type::String, "the argument of `duration`")?;
                Ok(Type::Duration)
            }
            (
                "getFullYear" | "getMonth" | "getDayOfMonth" | "getDayOfWeek" | "getHours",
                Some(a),
                _,
            ) => {
                expect(a, &Type::Timestamp, &format!("the receiver of `{name}`"))?;
                Ok(Type::Int)
            }
            ("has", None, [_]) => Ok(Type::Bool),
            _ => Err(type_error(format!(
                "unknown function `{name}` with {} argument(s){}",
                args.len(),
                if target.is_some() {
                    " on a receiver"
                } else {
                    ""
                }
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qyzmet_core::Text;

    fn env() -> Env {
        Env::for_form(&[FormField {
            id: "measure".into(),
            title: Text::kk("шара"),
            ty: FieldType::Enum,
            values: vec!["job_placement".into()],
            required: true,
            source: None,
        }])
    }

    fn check(text: &str) -> Result<(), String> {
        check_bool(text, &env()).map_err(|error| format!("{}: {}", error.code, error.message))
    }

    #[test]
    fn accepts_the_rules_the_seeds_need() {
        let ok = [
            r#"applicant.iin in registries.unemployed || form.measure in ["job_placement", "vocational_guidance"]"#,
            r#"!(applicant.iin in registries.oralman) || registries.oralman[applicant.iin].region == provider.region"#,
            r#"documents["identity-document"] && documents["application"]"#,
            r#"registries.targeted_social_assistance[applicant.iin].quarters.exists(q, q == "2016-Q2")"#,
            r#"applicant.age >= 18 && now > applicant.birth_date"#,
            r#"has(form.measure) ? form.measure != "" : false"#,
        ];
        for text in ok {
            assert_eq!(check(text), Ok(()), "{text}");
        }
    }

    #[test]
    fn rejects_type_errors_with_reasons() {
        let cases = [
            (
                "applicant.age",
                "expr-type: a rule must be a `bool` expression, this one is `int`",
            ),
            (
                "applicant.age && true",
                "expr-type: the left operand of `&&` must be `bool`, found `int`",
            ),
            (
                "applicant.nme == \"x\"",
                "expr-type: `applicant` has no field `nme`; its fields: `age`, `bin`, `birth_date`, `citizen`, `iin`, `kind`, `region`, `resident`",
            ),
            (
                "form.unknown == 1",
                "expr-type: `form` has no field `unknown`; its fields: `measure`",
            ),
            (
                "user.iin == \"1\"",
                "expr-type: unknown variable `user`; rules can use `applicant`, `channel`, `documents`, `form`, `now`, `provider`, `registries`, `variant`",
            ),
            (
                "applicant.age == \"18\"",
                "expr-type: cannot compare a `int` with a `string`",
            ),
            (
                "1 in registries.unemployed",
                "expr-type: the left side of `in` must be `string`, found `int`",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(check(text), Err(expected.to_owned()), "{text}");
        }
    }

    #[test]
    fn rejects_syntax_errors() {
        let error = check_bool("applicant.iin ==", &env()).unwrap_err();
        assert_eq!(error.code, "expr-syntax");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,60}") {
            let _ = check_bool(&text, &env());
        }
    }
}
