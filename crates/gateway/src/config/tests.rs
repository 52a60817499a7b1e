use super::*;

fn env(name: &str) -> Option<String> {
    match name {
        "LOCAL_KEY" => Some("sk-local".into()),
        "GW_KEY" => Some("client-key-123".into()),
        _ => None,
    }
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, "test.toml", &env)
}

const VALID: &str = r#"
[server]
listen = "127.0.0.1:4100"
api_keys = ["${GW_KEY}"]

[providers.local]
kind = "openai"
base_url = "http://127.0.0.1:9001/v1"
api_key = "${LOCAL_KEY}"

[providers.claude]
kind = "anthropic"
default_max_tokens = 1024
headers = { "x-team" = "ide" }

[models.fast]
deployments = [
  { provider = "local", model = "small-coder", input_cost_per_mtok = 0.15, output_cost_per_mtok = 0.60 },
  { provider = "claude", model = "claude-haiku-4-5" },
]
"#;

#[test]
fn valid_config_resolves_everything() {
    let c = parse(VALID).unwrap();
    assert_eq!(c.server.listen.to_string(), "127.0.0.1:4100");
    assert_eq!(c.server.api_keys, vec!["client-key-123".to_owned()]);
    assert_eq!(c.providers.len(), 2);
    let claude = &c.providers[0];
    assert_eq!(&*claude.name, "claude");
    assert_eq!(claude.base_url, "https://api.anthropic.com");
    assert_eq!(claude.default_max_tokens, 1024);
    assert_eq!(
        claude.headers,
        vec![("x-team".to_owned(), "ide".to_owned())]
    );
    let local = &c.providers[1];
    assert_eq!(local.api_key.as_deref(), Some("sk-local"));
    assert_eq!(c.models[0].alias, "fast");
    assert_eq!(c.models[0].deployments[1].model, "claude-haiku-4-5");
    assert_eq!(c.models[0].deployments[0].price.input_per_mtok, Some(0.15));
    assert!(c.passthrough.is_empty());
}

#[test]
fn empty_config_uses_defaults() {
    let c = parse("").unwrap();
    assert_eq!(c.server.listen.to_string(), DEFAULT_LISTEN);
    assert_eq!(c.server.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let e = parse("[server]\nlistn = \"127.0.0.1:1\"\n").unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with("test.toml: "), "{text}");
    assert!(text.contains("unknown field `listn`"), "{text}");
    assert!(text.contains("line 2"), "{text}");
}

#[test]
fn unknown_provider_reference_names_the_key() {
    let e = parse(
        "[providers.a]\nkind = \"openai\"\n[models.m]\ndeployments = [{ provider = \"b\", model = \"x\" }]\n",
    )
    .unwrap_err();
    assert_eq!(e.key, "models.m.deployments[0].provider");
    assert!(e.message.contains("unknown provider `b`"), "{e}");
    assert!(e.message.contains("known: a"), "{e}");
}

#[test]
fn missing_environment_variable_names_key_and_variable() {
    let e =
        parse("[providers.a]\nkind = \"openai\"\napi_key = \"${NOT_SET_ANYWHERE}\"\n").unwrap_err();
    assert_eq!(e.key, "providers.a.api_key");
    assert_eq!(
        e.message,
        "environment variable NOT_SET_ANYWHERE is not set"
    );
    assert_eq!(
        e.to_string(),
        "test.toml: providers.a.api_key: environment variable NOT_SET_ANYWHERE is not set"
    );
}

#[test]
fn bad_urls_kinds_and_values_are_rejected() {
    let bad_url = parse("[providers.a]\nkind = \"openai\"\nbase_url = \"ftp://x\"\n").unwrap_err();
    assert_eq!(bad_url.key, "providers.a.base_url");
    let not_url =
        parse("[providers.a]\nkind = \"openai\"\nbase_url = \"not a url\"\n").unwrap_err();
    assert!(not_url.message.contains("not a valid URL"), "{not_url}");
    let kind = parse("[providers.a]\nkind = \"cohere\"\n").unwrap_err();
    assert_eq!(kind.key, "providers.a.kind");
    let azure = parse("[providers.a]\nkind = \"azure\"\n").unwrap_err();
    assert_eq!(azure.key, "providers.a.base_url");
    let listen = parse("[server]\nlisten = \"localhost\"\n").unwrap_err();
    assert_eq!(listen.key, "server.listen");
    let empty =
        parse("[providers.a]\nkind = \"openai\"\n[models.m]\ndeployments = []\n").unwrap_err();
    assert_eq!(empty.key, "models.m.deployments");
    let cost = parse(
        "[providers.a]\nkind = \"openai\"\n[models.m]\ndeployments = [{ provider = \"a\", model = \"x\", input_cost_per_mtok = -1 }]\n",
    )
    .unwrap_err();
    assert_eq!(cost.key, "models.m.deployments[0].input_cost_per_mtok");
    let default = parse("[server]\ndefault_provider = \"nope\"\n").unwrap_err();
    assert_eq!(default.key, "server.default_provider");
}

#[test]
fn exposure_check_requires_keys_or_explicit_opt_out() {
    let open = parse("").unwrap();
    let public: SocketAddr = "0.0.0.0:4000".parse().unwrap();
    assert!(open
        .check_exposure("127.0.0.1:4000".parse().unwrap())
        .is_ok());
    let e = open.check_exposure(public).unwrap_err();
    assert!(e.message.contains("allow_unauthenticated"), "{e}");
    assert!(parse(VALID).unwrap().check_exposure(public).is_ok());
    let opted_out = parse("[server]\nallow_unauthenticated = true\n").unwrap();
    assert!(opted_out.check_exposure(public).is_ok());
}

#[test]
fn default_provider_becomes_catch_all_passthrough() {
    let c =
        parse("[server]\ndefault_provider = \"a\"\n[providers.a]\nkind = \"openai\"\n").unwrap();
    assert_eq!(
        c.passthrough,
        vec![PassthroughRule {
            prefix: String::new(),
            provider: "a".into()
        }]
    );
}

#[test]
fn environment_config_routes_model_families() {
    let lookup = |name: &str| match name {
        "ANTHROPIC_API_KEY" => Some("sk-ant".to_owned()),
        "OPENAI_API_KEY" => Some("sk-oai".to_owned()),
        _ => None,
    };
    let listen: SocketAddr = DEFAULT_LISTEN.parse().unwrap();
    let c = environment_config(listen, &lookup).unwrap();
    let names: Vec<_> = c.providers.iter().map(|p| &*p.name).collect();
    assert_eq!(names, ["openai", "anthropic"]);
    let route = |model: &str| {
        c.passthrough
            .iter()
            .find(|r| model.starts_with(&r.prefix))
            .map(|r| r.provider.clone())
    };
    assert_eq!(route("claude-sonnet-4-5").as_deref(), Some("anthropic"));
    assert_eq!(route("gpt-4o").as_deref(), Some("openai"));
    assert_eq!(route("llama3").as_deref(), Some("openai"));
    assert!(environment_config(listen, &|_| None).is_none());
}

#[test]
fn demo_config_is_valid_and_simulated() {
    let c = demo_config(DEFAULT_LISTEN.parse().unwrap(), "http://127.0.0.1:9");
    assert!(c
        .providers
        .iter()
        .all(|p| p.simulated && p.name.starts_with("simulated-")));
    assert!(c.models.iter().any(|m| m.alias == "coder"));
    assert_eq!(c.passthrough.last().unwrap().provider, "simulated-openai");
}

#[test]
fn failover_settings_are_validated() {
    let base = "[providers.a]\nkind = \"openai\"\n";
    let c = parse(&format!(
        "{base}[resilience]\nmax_attempts = 6\nbreaker_cooldown_ms = 500\n\
         [models.x]\nstrategy = \"least-latency\"\nfallbacks = [\"y\"]\nfirst_byte_timeout_ms = 300\n\
         deployments = [{{ provider = \"a\", model = \"m\", weight = 3, total_timeout_ms = 900 }}]\n\
         [models.y]\nretry_on = [503]\ndeployments = [{{ provider = \"a\", model = \"n\" }}]\n"
    ))
    .unwrap();
    assert_eq!(c.resilience.max_attempts, Some(6));
    assert_eq!(c.resilience.breaker.cooldown, Duration::from_millis(500));
    let x = &c.models[0];
    assert_eq!(x.policy.strategy, Strategy::LeastLatency);
    assert_eq!(x.policy.fallbacks, vec!["y".to_owned()]);
    assert_eq!(
        x.policy.timeouts.first_byte,
        Some(Duration::from_millis(300))
    );
    assert_eq!(x.deployments[0].weight, 3);
    assert_eq!(
        x.deployments[0].timeouts.total,
        Some(Duration::from_millis(900))
    );
    assert_eq!(x.policy.retry_on, DEFAULT_RETRY_ON.to_vec());
    assert_eq!(c.models[1].policy.retry_on, vec![503]);

    let unknown = parse(&format!(
        "{base}[models.x]\nfallbacks = [\"nope\"]\ndeployments = [{{ provider = \"a\", model = \"m\" }}]\n"
    ))
    .unwrap_err();
    assert_eq!(unknown.key, "models.x.fallbacks");
    let strategy = parse(&format!(
        "{base}[models.x]\nstrategy = \"random\"\ndeployments = [{{ provider = \"a\", model = \"m\" }}]\n"
    ))
    .unwrap_err();
    assert_eq!(strategy.key, "models.x.strategy");
    let retry = parse(&format!(
        "{base}[models.x]\nretry_on = [200]\ndeployments = [{{ provider = \"a\", model = \"m\" }}]\n"
    ))
    .unwrap_err();
    assert_eq!(retry.key, "models.x.retry_on");
}

#[test]
fn fallback_loops_are_rejected() {
    let base = "[providers.a]\nkind = \"openai\"\n";
    let dep = "deployments = [{ provider = \"a\", model = \"m\" }]\n";
    let e = parse(&format!(
        "{base}[models.x]\nfallbacks = [\"y\"]\n{dep}[models.y]\ncontext_window_fallbacks = [\"z\"]\n{dep}\
         [models.z]\ncontent_policy_fallbacks = [\"x\"]\n{dep}"
    ))
    .unwrap_err();
    assert!(e.message.starts_with("fallback loop: "), "{e}");
    assert!(
        e.message.contains("x -> y -> z -> x") || e.message.contains("-> x"),
        "{e}"
    );
    let own = parse(&format!("{base}[models.x]\nfallbacks = [\"x\"]\n{dep}")).unwrap_err();
    assert_eq!(own.message, "fallback loop: x -> x");
    // A diamond is not a loop.
    parse(&format!(
        "{base}[models.a1]\nfallbacks = [\"b1\", \"c1\"]\n{dep}[models.b1]\nfallbacks = [\"d1\"]\n{dep}\
         [models.c1]\nfallbacks = [\"d1\"]\n{dep}[models.d1]\n{dep}"
    ))
    .unwrap();
}

#[test]
fn telemetry_section_is_validated() {
    let none = parse("").unwrap();
    assert_eq!(none.telemetry, None);
    // Without an endpoint the section turns nothing on.
    let off = parse("[telemetry]\nservice_name = \"gw\"\n").unwrap();
    assert_eq!(off.telemetry, None);
    let on = parse(
        "[telemetry]\notlp_endpoint = \"http://collector:4318/\"\nheaders = { \"authorization\" = \
         \"Bearer ${GW_KEY}\" }\nsample_ratio = 0.25\n",
    )
    .unwrap()
    .telemetry
    .unwrap();
    assert_eq!(on.otlp_endpoint, "http://collector:4318");
    assert_eq!(on.service_name, "switchyard");
    assert_eq!(
        on.headers,
        vec![("authorization".into(), "Bearer client-key-123".into())]
    );
    assert_eq!(on.sample_ratio, 0.25);
    assert_eq!(on.flush_interval, std::time::Duration::from_secs(2));

    let bad = |text: &str| parse(&format!("[telemetry]\n{text}\n")).unwrap_err();
    assert_eq!(
        bad("otlp_endpoint = \"ftp://x\"").key,
        "telemetry.otlp_endpoint"
    );
    assert_eq!(
        bad("otlp_endpoint = \"${NOT_SET_ANYWHERE}\"").key,
        "telemetry.otlp_endpoint"
    );
    assert_eq!(bad("sample_ratio = 1.5").key, "telemetry.sample_ratio");
    assert_eq!(bad("sample_ratio = -0.1").key, "telemetry.sample_ratio");
    assert_eq!(
        bad("flush_interval_ms = 0").key,
        "telemetry.flush_interval_ms"
    );
    assert_eq!(bad("service_name = \" \"").key, "telemetry.service_name");
    assert_eq!(
        bad("headers = { \"bad header\" = \"x\" }").key,
        "telemetry.headers.bad header"
    );
    let unknown = bad("endpoint = \"http://x\"");
    assert!(unknown.message.contains("unknown field"), "{unknown}");
}

#[test]
fn cache_section_and_alias_overrides() {
    let c = parse(VALID).unwrap();
    assert!(!c.cache.is_used(), "the cache is off unless configured");
    let text = format!(
        "{VALID}\n[cache]\nenabled = true\nsemantic = true\nttl_secs = 60\nthreshold = 0.9\n\n\
         [models.slow]\ndeployments = [{{ provider = \"local\", model = \"big\" }}]\n\
         cache = {{ enabled = false }}\n"
    );
    let c = parse(&text).unwrap();
    let fast = c.cache.policy("fast");
    assert!(fast.enabled && fast.semantic);
    assert_eq!(fast.ttl, std::time::Duration::from_secs(60));
    assert!(fast.threshold.is_some_and(|t| (t - 0.9).abs() < 1e-6));
    assert_eq!(parse(VALID).unwrap().cache.policy("fast").threshold, None);
    assert!(!c.cache.policy("slow").enabled);
    assert!(!c.cache.policy("slow").semantic);
    assert_eq!(c.cache.embedder, EmbedderChoice::Auto);
    for (bad, key) in [
        ("[cache]\nthreshold = 1.5", "cache.threshold"),
        ("[cache]\nttl_secs = 0", "cache.ttl_secs"),
        ("[cache]\nembedder = \"provider:nope\"", "cache.embedder"),
        ("[cache]\nredis_url = \"http://x\"", "cache.redis_url"),
        (
            "[cache]\nredis_url = \"rediss://cache.example:6380\"",
            "cache.redis_url",
        ),
        ("[cache]\nredis_url = \"redis://h:port\"", "cache.redis_url"),
        ("[cache]\nredis_prefix = \"\"", "cache.redis_prefix"),
        ("[cache]\nredis_timeout_ms = 0", "cache.redis_timeout_ms"),
    ] {
        let err = parse(&format!("{VALID}\n{bad}\n")).unwrap_err();
        assert_eq!(err.key, key, "{bad}: {err}");
    }
}

#[test]
fn cache_redis_settings() {
    let c = parse(VALID).unwrap();
    assert_eq!(c.cache.redis_url, None);
    assert_eq!(c.cache.redis_prefix, "switchyard:cache:");
    assert_eq!(c.cache.redis_timeout, std::time::Duration::from_millis(5));
    let c = parse(&format!(
        "{VALID}\n[cache]\nenabled = true\nredis_url = \"redis://127.0.0.1:6379/0\"\n\
         redis_prefix = \"team-a:\"\nredis_timeout_ms = 20\n"
    ))
    .unwrap();
    assert_eq!(
        c.cache.redis_url.as_deref(),
        Some("redis://127.0.0.1:6379/0")
    );
    assert_eq!(c.cache.redis_prefix, "team-a:");
    assert_eq!(c.cache.redis_timeout, std::time::Duration::from_millis(20));
}

#[test]
fn responses_mode_defaults_to_native_only_for_the_official_openai_url() {
    use switchyard_providers::ResponsesMode;
    let c = parse(
        "[providers.official]\nkind = \"openai\"\n\
         [providers.local]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9001/v1\"\n\
         [providers.pinned]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9001/v1\"\nresponses = \"native\"\n\
         [providers.proxied]\nkind = \"openai\"\nresponses = \"translate\"\n",
    )
    .unwrap();
    let mode = |name: &str| {
        c.providers
            .iter()
            .find(|p| &*p.name == name)
            .unwrap()
            .responses
    };
    assert_eq!(mode("official"), ResponsesMode::Native);
    assert_eq!(mode("local"), ResponsesMode::Translate);
    assert_eq!(mode("pinned"), ResponsesMode::Native);
    assert_eq!(mode("proxied"), ResponsesMode::Translate);

    let bad = parse("[providers.a]\nkind = \"openai\"\nresponses = \"sometimes\"\n").unwrap_err();
    assert!(bad.to_string().contains("providers.a.responses"), "{bad}");
    let wrong_kind =
        parse("[providers.a]\nkind = \"anthropic\"\nresponses = \"native\"\n").unwrap_err();
    assert!(
        wrong_kind
            .to_string()
            .contains("only providers of kind `openai`"),
        "{wrong_kind}"
    );
}

const ROUTED: &str = r#"
[models.strong]
deployments = [{ provider = "local", model = "big-coder" }]
[models.mid]
deployments = [{ provider = "local", model = "mid-coder" }]
"#;

#[test]
fn router_tiers_keep_their_written_order_and_rules_resolve() {
    let text = format!(
        "{VALID}{ROUTED}
[routers.auto]
tiers = {{ simple = \"fast\", medium = \"mid\", complex = \"strong\" }}
[[routers.auto.rules]]
tasks = [\"review\"]
languages = [\"Rust\"]
client_keys = [\"${{GW_KEY}}\"]
tier = \"medium\"
"
    );
    let c = parse(&text).unwrap();
    let r = &c.routers[0];
    let tiers: Vec<(&str, &str)> = r
        .tiers
        .iter()
        .map(|(t, a)| (t.as_str(), a.as_str()))
        .collect();
    assert_eq!(
        tiers,
        [("simple", "fast"), ("medium", "mid"), ("complex", "strong")]
    );
    assert_eq!(r.thresholds.len(), 2);
    assert_eq!(r.rules[0].tier, 1);
    assert_eq!(r.rules[0].when.client_keys, vec![0]);
    assert_eq!(r.rules[0].when.languages, vec!["rust".to_owned()]);
}

#[test]
fn router_mistakes_name_their_key() {
    let cases = [
        ("tiers = { simple = \"nope\" }", "routers.auto.tiers.simple", "unknown model alias"),
        ("tiers = { simple = \"fast\", complex = \"strong\" }\nthresholds = [1.5]", "routers.auto.thresholds", "between 0 and 1"),
        ("tiers = { simple = \"fast\" }\n[[routers.auto.rules]]\ntier = \"simple\"", "routers.auto.rules[0]", "needs a condition"),
        ("tiers = { simple = \"fast\" }\n[[routers.auto.rules]]\ntasks = [\"poetry\"]\ntier = \"simple\"", "routers.auto.rules[0].tasks", "unknown task"),
        ("tiers = { simple = \"fast\" }\n[[routers.auto.rules]]\nclient_keys = [\"someone-else\"]\ntier = \"simple\"", "routers.auto.rules[0].client_keys[0]", "server.api_keys"),
        ("tiers = { simple = \"fast\" }\n[[routers.auto.rules]]\ntasks = [\"docs\"]\ntier = \"huge\"", "routers.auto.rules[0].tier", "unknown tier"),
    ];
    for (router, key, message) in cases {
        let err = parse(&format!("{VALID}{ROUTED}\n[routers.auto]\n{router}\n")).unwrap_err();
        assert_eq!(err.key, key, "{router}: {err}");
        assert!(err.message.contains(message), "{router}: {err}");
    }
    let err = parse(&format!(
        "{VALID}{ROUTED}\n[routers.fast]\ntiers = {{ simple = \"fast\" }}\n"
    ))
    .unwrap_err();
    assert!(err.message.contains("already a model alias"), "{err}");
}

#[test]
fn code_settings_and_their_mistakes() {
    use switchyard_codeintel::{CodeTask, ValidationMode};
    let c = parse(VALID).unwrap();
    assert_eq!(c.code.router, "auto");
    assert_eq!(c.code.mode(CodeTask::Generate), ValidationMode::Repair);
    assert_eq!(c.code.mode(CodeTask::Complete), ValidationMode::Validate);
    assert_eq!(c.code.mode(CodeTask::Explain), ValidationMode::Off);
    let c = parse(&format!(
        "{VALID}\n[code]\ntemplates_dir = \"prompts\"\nescalate_to = [\"fast\"]\n[code.validation]\nreview = \"escalate\"\n"
    ))
    .unwrap();
    assert_eq!(c.code.mode(CodeTask::Review), ValidationMode::Escalate);
    assert_eq!(c.code.escalate_to, ["fast"]);
    assert_eq!(
        c.code.templates_dir.as_deref(),
        Some(std::path::Path::new("prompts"))
    );
    let cases = [
        (
            "[code]\nescalate_to = [\"nope\"]",
            "code.escalate_to[0]",
            "unknown model alias",
        ),
        (
            "[code.validation]\ngenerate = \"strict\"",
            "code.validation.generate",
            "off, validate, repair or escalate",
        ),
        (
            "[code.validation]\ncompile = \"off\"",
            "code.validation.compile",
            "generate, complete",
        ),
    ];
    for (code, key, message) in cases {
        let err = parse(&format!("{VALID}\n{code}\n")).unwrap_err();
        assert_eq!(err.key, key, "{code}: {err}");
        assert!(err.message.contains(message), "{code}: {err}");
    }
}

#[test]
fn a_templates_dir_that_cannot_be_read_stops_the_start() {
    let c = parse(&format!(
        "{VALID}\n[code]\ntemplates_dir = \"/nonexistent/switchyard-prompts\"\n"
    ))
    .unwrap();
    let err = crate::AppState::new(c).unwrap_err();
    assert!(
        err.contains("code.templates_dir") && err.contains("/nonexistent/switchyard-prompts"),
        "{err}"
    );
}

#[test]
fn fill_in_the_middle_setting() {
    let c = parse(VALID).unwrap();
    let local = c.providers.iter().find(|p| &*p.name == "local").unwrap();
    assert_eq!(local.fim, switchyard_providers::FimMode::Completions);
    let c = parse(&VALID.replace(
        "api_key = \"${LOCAL_KEY}\"",
        "api_key = \"${LOCAL_KEY}\"\nfim = \"mistral\"",
    ))
    .unwrap();
    let local = c.providers.iter().find(|p| &*p.name == "local").unwrap();
    assert_eq!(local.fim, switchyard_providers::FimMode::Mistral);
    let err = parse(&VALID.replace("api_key = \"${LOCAL_KEY}\"", "fim = \"psychic\"")).unwrap_err();
    assert_eq!(err.key, "providers.local.fim");
    let err = parse(&VALID.replace("default_max_tokens = 1024", "fim = \"mistral\"")).unwrap_err();
    assert!(
        err.message.contains("only providers of kind `openai`"),
        "{err}"
    );
}
