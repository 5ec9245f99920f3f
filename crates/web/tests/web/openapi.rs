//! The OpenAPI document's response schemas: every JSON answer of the API
//! has one, and the answers the server gives have the shape it says.

use axum::http::StatusCode;
use serde_json::Value;

use crate::common::*;

/// The 2xx answers of `/api/` that are not JSON (binary, text or empty):
/// (method, path, status).
const NOT_JSON: &[(&str, &str, &str)] = &[
    ("delete", "/api/session", "204"),
    ("post", "/api/notifications/{id}/read", "204"),
    // The saved regulation file, YAML.
    ("get", "/api/authoring/editions/{hash}", "200"),
];

/// The schema `name` of `#/components/schemas/name`, or `schema` itself.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
            let found = &doc["components"]["schemas"][name];
            assert!(!found.is_null(), "{reference} is not in components.schemas");
            resolve(doc, found)
        }
        None => schema,
    }
}

fn type_matches(ty: &str, value: &Value) -> bool {
    match ty {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        other => panic!("unknown type {other}"),
    }
}

/// Where `value` does not fit `schema` (types, properties, required keys;
/// an object with properties has no others), as `at: problem` lines.
pub fn mismatches(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let schema = resolve(doc, schema);
    let mut out = Vec::new();
    if let Some(choices) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        if choices
            .iter()
            .any(|choice| mismatches(doc, choice, value, at).is_empty())
        {
            return out;
        }
        out.push(format!("{at}: {value} fits none of {choices:?}"));
        return out;
    }
    // `allOf` (a flattened struct): the parts' properties together.
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    let mut typed = Vec::new();
    for part in schema["allOf"]
        .as_array()
        .map(|parts| parts.iter().map(|part| resolve(doc, part)).collect())
        .unwrap_or_else(|| vec![schema])
    {
        if let Some(props) = part["properties"].as_object() {
            properties.extend(props.clone());
        }
        required.extend(part["required"].as_array().into_iter().flatten().cloned());
        match &part["type"] {
            Value::String(ty) => typed.push(vec![ty.clone()]),
            Value::Array(types) => typed.push(
                types
                    .iter()
                    .filter_map(|ty| ty.as_str().map(str::to_owned))
                    .collect(),
            ),
            _ => {}
        }
    }
    for types in &typed {
        if !types.iter().any(|ty| type_matches(ty, value)) {
            out.push(format!("{at}: {value} is not {types:?}"));
            return out;
        }
    }
    if let Some(object) = value.as_object()
        && !properties.is_empty()
    {
        for key in &required {
            let key = key.as_str().unwrap();
            if !object.contains_key(key) {
                out.push(format!("{at}: required `{key}` missing"));
            }
        }
        for (key, item) in object {
            match properties.get(key) {
                Some(property) => {
                    out.extend(mismatches(doc, property, item, &format!("{at}.{key}")))
                }
                None => out.push(format!("{at}: `{key}` is not in the schema")),
            }
        }
    }
    if let (Some(items), Some(schema_items)) = (value.as_array(), schema.get("items")) {
        for (index, item) in items.iter().enumerate() {
            out.extend(mismatches(
                doc,
                schema_items,
                item,
                &format!("{at}[{index}]"),
            ));
        }
    }
    out
}

/// The JSON schema of the `status` answer of `method path`.
pub fn response_schema<'a>(doc: &'a Value, method: &str, path: &str, status: &str) -> &'a Value {
    let schema =
        &doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {path} {status}: no JSON schema"
    );
    schema
}

/// Checks `reply` against the schema of `method path` → `status`.
pub fn assert_fits(doc: &Value, method: &str, path: &str, status: &str, reply: &Value) {
    let problems = mismatches(doc, response_schema(doc, method, path, status), reply, "$");
    assert!(
        problems.is_empty(),
        "{method} {path} {status} does not fit its schema:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
async fn every_json_answer_of_the_api_has_a_schema() {
    let app = TestApp::new();
    let doc = app.anonymous().get("/api/openapi.json").await.json();
    let mut missing = Vec::new();
    let mut answers = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/"), "{path}");
        for (method, operation) in item.as_object().unwrap() {
            let Some(responses) = operation["responses"].as_object() else {
                continue;
            };
            for (status, response) in responses {
                if !status.starts_with('2') {
                    continue;
                }
                answers += 1;
                let listed = NOT_JSON.contains(&(method.as_str(), path.as_str(), status.as_str()));
                let schema = &response["content"]["application/json"]["schema"];
                if listed {
                    assert!(
                        response["content"].get("application/json").is_none(),
                        "{method} {path} {status} is listed as not JSON but answers JSON"
                    );
                    continue;
                }
                let described = schema.as_object().is_some_and(|schema| {
                    ["$ref", "type", "items", "allOf", "oneOf"]
                        .iter()
                        .any(|key| schema.contains_key(*key))
                });
                if !described {
                    missing.push(format!("{method} {path} {status}"));
                }
            }
        }
    }
    assert!(answers > 30, "{answers} answers");
    assert!(
        missing.is_empty(),
        "2xx answers without a JSON schema (give them `body = …`, or list them in NOT_JSON): {missing:#?}"
    );
}

#[tokio::test]
async fn api_answers_fit_their_schemas() {
    let app = TestApp::new();
    let doc = app.anonymous().get("/api/openapi.json").await.json();
    let (mut citizen, case) = portal_case(&app).await;
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    let case_path = "/api/cases/{case_id}";
    assert_fits(&doc, "get", case_path, "200", &case);
    assert!(case.get("exchanges").is_none(), "exchanges are for staff");
    assert!(!case["history"].as_array().unwrap().is_empty(), "{case}");
    assert!(!case["trail"].as_array().unwrap().is_empty(), "{case}");

    let mut executor = app.client("kyzylorda-city.executor").await;
    let staff_case = app.case(&mut executor, &case_id).await;
    assert_fits(&doc, "get", case_path, "200", &staff_case);
    assert!(
        !staff_case["exchanges"].as_array().unwrap().is_empty(),
        "{staff_case}"
    );
    assert!(
        !staff_case["tasks"].as_array().unwrap().is_empty(),
        "{staff_case}"
    );

    for (staff, path) in [
        (false, "/api/me"),
        (false, "/api/cases"),
        (false, "/api/notifications"),
        (true, "/api/tasks"),
        (true, "/api/me"),
        (true, "/api/providers"),
        (true, "/api/regulations"),
    ] {
        let client = if staff { &mut executor } else { &mut citizen };
        let reply = client.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
        let body = reply.json();
        assert!(
            body.as_array().is_none_or(|rows| !rows.is_empty()),
            "{path}: nothing to check"
        );
        assert_fits(&doc, "get", path, "200", &body);
    }

    // A command answers with the case view.
    let task = task_at(&staff_case, "p-2");
    let (status, after) = executor
        .post(&format!("/api/tasks/{task}/claim"), serde_json::json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_fits(&doc, "post", "/api/tasks/{task_id}/claim", "200", &after);

    let mut supervisor = app.client("supervisor").await;
    for path in ["/api/audit", "/api/stats"] {
        let reply = supervisor.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
        assert_fits(&doc, "get", path, "200", &reply.json());
    }
}

/// The desk's lookups and the gateway's health, against the simulator.
#[tokio::test]
async fn gateway_answers_fit_their_schemas() {
    let app = TestApp::new();
    let doc = app.anonymous().get("/api/openapi.json").await.json();
    for path in [
        "/api/persons/{iin}",
        "/api/powers-of-attorney",
        "/api/gateway/health",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} undocumented");
    }
    let dataset = app.dataset();
    let mut operator = app.client("kyzylorda-city.sc").await;
    let persons = "/api/persons/{iin}";
    let found = operator
        .get(&format!("/api/persons/{}", dataset.persons[0].iin))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    let found = found.json();
    assert_eq!(found["found"], true, "{found}");
    assert_fits(&doc, "get", persons, "200", &found);
    let unknown = operator.get("/api/persons/000101500001?lang=ru").await;
    assert_eq!(unknown.status, StatusCode::OK);
    let unknown = unknown.json();
    assert_eq!(unknown["found"], false, "{unknown}");
    assert_fits(&doc, "get", persons, "200", &unknown);
    let invalid = operator.get("/api/persons/123").await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_fits(&doc, "get", persons, "422", &invalid.json());

    let powers = "/api/powers-of-attorney";
    for power in &dataset.powers_of_attorney[..2] {
        let reply = operator
            .get(&format!(
                "/api/powers-of-attorney?principal={}&representative={}&lang=en",
                power.principal_iin, power.representative_iin
            ))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let reply = reply.json();
        assert!(reply["power"].is_object(), "{reply}");
        assert_fits(&doc, "get", powers, "200", &reply);
    }
    let mut citizen = app.client(&app.citizen(0)).await;
    let refused = citizen
        .get(&format!("/api/persons/{}", app.citizen(0)))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_fits(&doc, "get", persons, "403", &refused.json());

    let health = "/api/gateway/health";
    let mut supervisor = app.client("supervisor").await;
    let reply = supervisor.get(health).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    assert!(!body["systems"].as_array().unwrap().is_empty(), "{body}");
    assert_fits(&doc, "get", health, "200", &body);
    // With a reconciliation report, and with a failed one.
    let day: jiff::civil::Date = "2026-11-29".parse().unwrap();
    let report = qyzmet_web::gateway::reconcile(&app.state, day)
        .await
        .unwrap();
    for result in [Ok(report), Err("statement unavailable".to_owned())] {
        *app.state
            .gateway
            .as_ref()
            .unwrap()
            .reconciliation
            .lock()
            .unwrap() = Some((day.to_string(), result));
        let body = supervisor.get(health).await.json();
        assert!(body["reconciliation"].is_object(), "{body}");
        assert_fits(&doc, "get", health, "200", &body);
    }
    let refused = operator.get(health).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_fits(&doc, "get", health, "403", &refused.json());

    // No gateway: 503 with "the data cannot be obtained", and the health
    // says so.
    let app = TestApp::without_gateway();
    let mut operator = app.client("kyzylorda-city.sc").await;
    let down = operator.get("/api/persons/000101500001").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_fits(&doc, "get", persons, "503", &down.json());
    let citizen = app.citizen(0);
    let down = operator
        .get(&format!(
            "/api/powers-of-attorney?principal={citizen}&representative={citizen}"
        ))
        .await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_fits(&doc, "get", powers, "503", &down.json());
    let body = app.client("supervisor").await.get(health).await.json();
    assert_eq!(body["connected"], false, "{body}");
    assert_fits(&doc, "get", health, "200", &body);
}

/// The `/api/...` paths the crate's source routes (`.route("/api/…", …)`
/// in any module), as OpenAPI paths (`{*id}` → `{id}`).
fn routed_api_paths() -> std::collections::BTreeSet<String> {
    let files = crate::common::source_files();
    let mut out = std::collections::BTreeSet::new();
    for file in files {
        let code = std::fs::read_to_string(&file).unwrap();
        for (at, _) in code.match_indices(".route(") {
            // The first argument, a string literal (maybe on the next line).
            let rest = code[at + ".route(".len()..].trim_start();
            let Some(literal) = rest.strip_prefix('"') else {
                continue;
            };
            let path = &literal[..literal.find('"').unwrap()];
            if path.starts_with("/api/") {
                out.insert(path.replace("{*", "{"));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_routed_api_path_is_in_the_document() {
    let routed = routed_api_paths();
    // The reader finds the routes of every module, over one line or two.
    for known in [
        "/api/cases/{case_id}",
        "/api/regulations/{id}",
        "/api/gateway/health",
        "/api/persons/{iin}",
        "/api/authoring/editions/{hash}",
    ] {
        assert!(routed.contains(known), "{known} not found in {routed:#?}");
    }
    assert!(routed.len() > 30, "{routed:#?}");
    let app = TestApp::new();
    let doc = app.anonymous().get("/api/openapi.json").await.json();
    let documented = doc["paths"].as_object().unwrap();
    let missing: Vec<&String> = routed
        .iter()
        .filter(|path| *path != "/api/openapi.json" && !documented.contains_key(*path))
        .collect();
    assert!(
        missing.is_empty(),
        "routed /api/ paths missing from the OpenAPI document (give the handler a `#[utoipa::path]` and list it in `ApiDoc`): {missing:#?}"
    );
    let stale: Vec<&String> = documented
        .keys()
        .filter(|path| !routed.contains(*path))
        .collect();
    assert!(
        stale.is_empty(),
        "documented paths no module routes: {stale:#?}"
    );
}

#[test]
fn a_reply_with_a_key_the_schema_lacks_does_not_fit() {
    let doc = serde_json::json!({"components": {"schemas": {
        "Row": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"},
            "left": {"type": ["string", "null"]},
        }},
    }}});
    let schema =
        serde_json::json!({"type": "array", "items": {"$ref": "#/components/schemas/Row"}});
    let fits = |value: Value| mismatches(&doc, &schema, &value, "$");
    assert!(fits(serde_json::json!([{"id": "a", "left": null}])).is_empty());
    assert_eq!(fits(serde_json::json!([{"id": "a", "extra": 1}])).len(), 1);
    assert_eq!(fits(serde_json::json!([{"left": "2 h"}])).len(), 1);
    assert_eq!(fits(serde_json::json!([{"id": 5}])).len(), 1);
}
