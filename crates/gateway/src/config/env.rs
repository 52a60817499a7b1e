//! `${VAR}` and `${VAR:-default}` interpolation of config strings from the environment.

/// Replaces every `${VAR}` (error when unset or empty) and `${VAR:-default}` in `value`.
/// `lookup` reads a variable (the environment in production, a map in tests). `$$` is a
/// literal `$`.
pub(crate) fn interpolate(
    value: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    if !value.contains('$') {
        return Ok(value.to_owned());
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(pos) = rest.find('$') {
        out.push_str(rest.get(..pos).unwrap_or_default());
        let after = rest.get(pos + 1..).unwrap_or_default();
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
            continue;
        }
        let Some(body) = after.strip_prefix('{') else {
            out.push('$');
            rest = after;
            continue;
        };
        let Some(end) = body.find('}') else {
            return Err(format!("unterminated `${{` in `{value}`"));
        };
        let expr = body.get(..end).unwrap_or_default();
        let (name, default) = match expr.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (expr, None),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "`${{{expr}}}` is not a valid environment variable reference"
            ));
        }
        match (lookup(name).filter(|v| !v.is_empty()), default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => return Err(format!("environment variable {name} is not set")),
        }
        rest = body.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "KEY" => Some("sk-123".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn replaces_variables_and_defaults() {
        assert_eq!(interpolate("${KEY}", &env).unwrap(), "sk-123");
        assert_eq!(
            interpolate("Bearer ${KEY}!", &env).unwrap(),
            "Bearer sk-123!"
        );
        assert_eq!(interpolate("${NOPE:-x}", &env).unwrap(), "x");
        assert_eq!(interpolate("${EMPTY:-fallback}", &env).unwrap(), "fallback");
        assert_eq!(interpolate("cost $$5 $x", &env).unwrap(), "cost $5 $x");
        assert_eq!(interpolate("plain", &env).unwrap(), "plain");
    }

    #[test]
    fn reports_missing_and_malformed_references() {
        assert_eq!(
            interpolate("${NOPE}", &env).unwrap_err(),
            "environment variable NOPE is not set"
        );
        assert!(interpolate("${EMPTY}", &env).is_err());
        assert!(interpolate("${KEY", &env)
            .unwrap_err()
            .contains("unterminated"));
        assert!(interpolate("${BAD NAME}", &env)
            .unwrap_err()
            .contains("not a valid"));
    }
}
