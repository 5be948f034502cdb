//! The `--isolate` view: which host trees the command sees and how.
//!
//! `plan` (pure) turns the policy and a root file system template into an
//! ordered [`MountPlan`]; `apply` runs that plan inside the new mount
//! namespace and ends with `pivot_root(2)`.

pub mod apply;
pub mod plan;

pub use plan::{plan, Caller, Host, MountOp, MountPlan, RealHost};
pub use self::TemplateError as Error;

use crate::policy::isolate::Isolate;
use crate::policy::{Context, Global, Sandbox};
use crate::profile::{self, Origin, Source};

/// The templates built into the binary, by name.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("minimal", include_str!("../../rootfs-templates/minimal.syd-1")),
    ("build-chroot", include_str!("../../rootfs-templates/build-chroot.syd-1")),
    ("desktop", include_str!("../../rootfs-templates/desktop.syd-1")),
];

/// The template used when neither the profile nor the command line names one.
pub const DEFAULT_TEMPLATE: &str = "minimal";

/// A template that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template `{name}' not found in $SYDBOX_TEMPLATE_PATH or the built-in set ({builtins})")]
    NotFound { name: String, builtins: String },
    #[error("template `{name}' cannot be read from {path}: {source}")]
    Read { name: String, path: String, source: std::io::Error },
    #[error("template {origin}: `{text}': {reason}")]
    Invalid { origin: String, text: String, reason: String },
    #[error("template `{name}' extends itself through isolate/template")]
    Cycle { name: String },
}

fn template_source(name: &str, search_path: Option<&str>) -> Result<Source, TemplateError> {
    for dir in search_path.unwrap_or("").split(':').filter(|d| !d.is_empty()) {
        let path = std::path::Path::new(dir).join(format!("{name}.syd-1"));
        if path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(|source| TemplateError::Read {
                name: name.into(),
                path: path.display().to_string(),
                source,
            })?;
            return Ok(Source { name: path.display().to_string().into(), text });
        }
    }
    match BUILTIN_TEMPLATES.iter().find(|(builtin, _)| *builtin == name) {
        Some((builtin, text)) => Ok(Source { name: format!("template:{builtin}").into(), text: (*text).to_string() }),
        None => Err(TemplateError::NotFound {
            name: name.into(),
            builtins: BUILTIN_TEMPLATES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// Loads template `name` (and the templates it extends) into isolate
/// settings. Templates may contain only `isolate/*` commands.
///
/// # Errors
///
/// The template is missing, unreadable, extends itself, or has a line
/// that is not a valid `isolate/*` command.
pub fn load_template(name: &str, search_path: Option<&str>) -> Result<Isolate, TemplateError> {
    load_template_chain(name, search_path, &mut Vec::new())
}

fn load_template_chain(name: &str, search_path: Option<&str>, seen: &mut Vec<String>) -> Result<Isolate, TemplateError> {
    if seen.iter().any(|s| s == name) {
        return Err(TemplateError::Cycle { name: name.into() });
    }
    seen.push(name.into());
    let source = template_source(name, search_path)?;
    let (commands, errors) = profile::parse_source(&source);
    if let Some(err) = errors.first() {
        return Err(TemplateError::Invalid { origin: err.origin.to_string(), text: err.text.clone(), reason: err.reason.clone() });
    }
    let mut global = Global::default();
    let mut sandbox = Sandbox::default();
    for command in &commands {
        let text = crate::policy::command_text(&command.item);
        if !command.item.key.name().starts_with("isolate/") {
            return Err(TemplateError::Invalid {
                origin: command.origin.to_string(),
                text,
                reason: "a template may contain only isolate/* commands".into(),
            });
        }
        crate::policy::apply(&mut global, &mut sandbox, &command.item, &Origin::Builtin("template"), Context::Startup)
            .map_err(|err| TemplateError::Invalid { origin: command.origin.to_string(), text, reason: err.to_string() })?;
    }
    let own = global.isolate;
    match own.template.clone() {
        Some(base_name) => {
            let mut base = load_template_chain(&base_name, search_path, seen)?;
            base.overlay(&own);
            base.template = Some(name.into());
            Ok(base)
        }
        None => Ok(own),
    }
}

/// The settings the view is planned from: the selected template (the
/// command line's `--template` over the profile's, `minimal` by default)
/// with the profile's own `isolate/*` entries laid over it.
///
/// # Errors
///
/// See [`load_template`].
pub fn effective(profile: &Isolate, template_override: Option<&str>, search_path: Option<&str>) -> Result<Isolate, TemplateError> {
    let name = template_override.or(profile.template.as_deref()).unwrap_or(DEFAULT_TEMPLATE);
    let mut isolate = load_template(name, search_path)?;
    isolate.overlay(profile);
    isolate.template = Some(name.into());
    Ok(isolate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_templates_load() {
        for (name, _) in BUILTIN_TEMPLATES {
            let isolate = load_template(name, None).unwrap_or_else(|err| panic!("{name}: {err}"));
            assert!(!isolate.binds.is_empty() || isolate.root.is_some(), "{name}");
        }
        let desktop = load_template("desktop", None).unwrap();
        assert!(desktop.binds.iter().any(|b| b.source == "/usr"), "desktop extends minimal");
        assert!(matches!(load_template("nope", None), Err(TemplateError::NotFound { .. })));
    }
}
