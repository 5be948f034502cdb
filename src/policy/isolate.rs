//! The `isolate/*` settings: what a profile or a root file system template
//! asks of the `--isolate` view, stored as parsed values. Nothing here
//! touches the file system; `view::plan` turns them into mounts.
#![forbid(unsafe_code)]

use crate::profile::MagicError;

/// `isolate/net`: which network the command gets under `--isolate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NetMode {
    /// A new network namespace with only loopback when the policy allows
    /// no address beyond loopback and unix sockets, else the host network.
    #[default]
    Auto,
    /// A new network namespace with only loopback up.
    None,
    /// The host's network, still filtered by the inner layer.
    Host,
}

impl NetMode {
    /// Parses `auto`, `none` or `host`.
    pub fn parse(value: &str) -> Option<NetMode> {
        match value {
            "auto" => Some(NetMode::Auto),
            "none" => Some(NetMode::None),
            "host" => Some(NetMode::Host),
            _ => None,
        }
    }
}

/// One `isolate/bind+SRC[:DST[:OPTIONS]]` entry. `OPTIONS` is a comma
/// list of `ro` (the default), `rw`, `dev` (device nodes usable) and
/// `try` (a missing source is left out silently instead of with a warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindSpec {
    pub source: String,
    pub target: String,
    pub writable: bool,
    pub devices: bool,
    pub optional: bool,
    /// The entry as written, for messages and removal.
    pub text: String,
}

impl BindSpec {
    /// Parses the value of an `isolate/bind` entry.
    ///
    /// # Errors
    ///
    /// A relative path, or an option other than `ro`, `rw`, `dev` and `try`.
    pub fn parse(value: &str) -> Result<BindSpec, MagicError> {
        let mut parts = value.splitn(3, ':');
        let source = parts.next().unwrap_or_default().to_string();
        let target = parts.next().filter(|t| !t.is_empty()).unwrap_or(&source).to_string();
        let mut spec = BindSpec { source, target, writable: false, devices: false, optional: false, text: value.to_string() };
        for option in parts.next().unwrap_or("").split(',').filter(|o| !o.is_empty()) {
            match option {
                "ro" => spec.writable = false,
                "rw" => spec.writable = true,
                "dev" => spec.devices = true,
                "try" => spec.optional = true,
                other => {
                    return Err(MagicError::InvalidValue(format!(
                        "unknown bind option `{other}' in `{value}' (expected ro, rw, dev or try)"
                    )))
                }
            }
        }
        for path in [&spec.source, &spec.target] {
            if !path.starts_with('/') && !path.starts_with("${") {
                return Err(MagicError::InvalidValue(format!(
                    "bind path `{path}' in `{value}' is not absolute"
                )));
            }
        }
        Ok(spec)
    }
}

/// Everything the profile and the template say about the view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Isolate {
    /// `isolate/template`: the name of the base view.
    pub template: Option<String>,
    pub net: NetMode,
    /// `isolate/root`: a directory bound read-only as the view's `/`.
    pub root: Option<String>,
    pub hostname: Option<String>,
    pub binds: Vec<BindSpec>,
    /// `isolate/tmpfs`: empty private directories.
    pub tmpfs: Vec<String>,
    /// `isolate/symlink+TARGET:LINK` entries, as (target, link).
    pub symlinks: Vec<(String, String)>,
    /// `isolate/mask`: paths hidden inside bound trees.
    pub masks: Vec<String>,
    /// The list entries removed with `-`, as (key, value), replayed over
    /// a template's lists so a profile can drop a template's entry.
    pub removed: Vec<(String, String)>,
}

fn absolute(value: &str, key: &str) -> Result<String, MagicError> {
    if value.starts_with('/') || value.starts_with("${") {
        Ok(value.to_string())
    } else {
        Err(MagicError::InvalidValue(format!("`{key}' needs an absolute path, got `{value}'")))
    }
}

impl Isolate {
    /// Appends (`append`) or removes one list entry of an `isolate/*` key.
    ///
    /// # Errors
    ///
    /// A value of the wrong form.
    pub fn apply_list(&mut self, key: &str, value: &str, append: bool) -> Result<(), MagicError> {
        if !append {
            self.removed.push((key.to_string(), value.to_string()));
        }
        match key {
            "isolate/bind" => {
                let spec = BindSpec::parse(value)?;
                if append {
                    self.binds.push(spec);
                } else {
                    self.binds.retain(|b| b.text != value);
                }
            }
            "isolate/tmpfs" => edit(&mut self.tmpfs, absolute(value, key)?, append),
            "isolate/mask" => edit(&mut self.masks, absolute(value, key)?, append),
            "isolate/symlink" => {
                let Some((target, link)) = value.split_once(':') else {
                    return Err(MagicError::InvalidValue(format!("`{value}' is not TARGET:LINK")));
                };
                let entry = (target.to_string(), absolute(link, key)?);
                if append {
                    self.symlinks.push(entry);
                } else {
                    self.symlinks.retain(|e| *e != entry);
                }
            }
            other => unreachable!("{other} is not an isolate list"),
        }
        Ok(())
    }

    /// Lays `other` (the profile's own entries) over `self` (a template):
    /// scalar settings that `other` sets win, entries `other` removed
    /// leave `self`'s lists, then the lists are concatenated.
    pub fn overlay(&mut self, other: &Isolate) {
        for (key, value) in &other.removed {
            // The value parsed when `other` took it, so it parses again.
            let _ = self.apply_list(key, value, false);
        }
        if other.root.is_some() {
            self.root.clone_from(&other.root);
        }
        if other.hostname.is_some() {
            self.hostname.clone_from(&other.hostname);
        }
        if other.net != NetMode::Auto {
            self.net = other.net;
        }
        self.binds.extend(other.binds.iter().cloned());
        self.tmpfs.extend(other.tmpfs.iter().cloned());
        self.symlinks.extend(other.symlinks.iter().cloned());
        self.masks.extend(other.masks.iter().cloned());
    }
}

fn edit(list: &mut Vec<String>, value: String, append: bool) {
    if append {
        list.push(value);
    } else {
        list.retain(|v| *v != value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_spec_defaults_and_options() {
        let spec = BindSpec::parse("/a").unwrap();
        assert_eq!((spec.source.as_str(), spec.target.as_str(), spec.writable), ("/a", "/a", false));
        let spec = BindSpec::parse("/a:/b:rw,dev,try").unwrap();
        assert_eq!(spec.target, "/b");
        assert!(spec.writable);
        assert!(spec.devices);
        assert!(spec.optional);
        assert!(BindSpec::parse("a:/b").is_err());
        assert!(BindSpec::parse("/a:/b:bogus").is_err());
        assert_eq!(BindSpec::parse("${PWD}::rw").unwrap().target, "${PWD}");
    }

    #[test]
    fn overlay_removes_template_entry() {
        let mut template = Isolate::default();
        template.apply_list("isolate/mask", "/etc/shadow", true).unwrap();
        template.apply_list("isolate/mask", "/etc/gshadow", true).unwrap();
        template.apply_list("isolate/tmpfs", "/run", true).unwrap();
        let mut profile = Isolate::default();
        profile.apply_list("isolate/mask", "/etc/shadow", false).unwrap();
        profile.apply_list("isolate/tmpfs", "/run", false).unwrap();
        profile.apply_list("isolate/tmpfs", "/run", true).unwrap();
        template.overlay(&profile);
        assert_eq!(template.masks, ["/etc/gshadow"]);
        // Removed, then added again: the later command wins.
        assert_eq!(template.tmpfs, ["/run"]);
    }
}
