//! Small XML helpers: writing escaped elements, and reading the children of
//! a roxmltree node by local name.

use std::fmt::Write as _;

/// Escapes text for element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// An element tree to be written: unqualified names (the default namespace
/// of the root applies, when it declares one).
#[derive(Clone, Debug, Default)]
pub(crate) struct El {
    pub name: &'static str,
    pub text: Option<String>,
    pub children: Vec<El>,
}

#[allow(
    dead_code,
    reason = "for the systems' payloads (issue 11, being written)"
)]
impl El {
    pub fn new(name: &'static str) -> El {
        El {
            name,
            text: None,
            children: Vec::new(),
        }
    }

    /// A child element with text.
    pub fn field(mut self, name: &'static str, text: impl Into<String>) -> El {
        self.children.push(El {
            name,
            text: Some(text.into()),
            children: Vec::new(),
        });
        self
    }

    /// A child element with text, left out when `None`.
    pub fn opt(self, name: &'static str, text: Option<impl Into<String>>) -> El {
        match text {
            Some(text) => self.field(name, text),
            None => self,
        }
    }

    pub fn child(mut self, child: El) -> El {
        self.children.push(child);
        self
    }

    pub fn children(mut self, children: impl IntoIterator<Item = El>) -> El {
        self.children.extend(children);
        self
    }

    fn write(&self, out: &mut String, namespace: Option<&str>) {
        let _ = write!(out, "<{}", self.name);
        if let Some(namespace) = namespace {
            let _ = write!(out, " xmlns=\"{}\"", escape(namespace));
        }
        if self.text.is_none() && self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        if let Some(text) = &self.text {
            out.push_str(&escape(text));
        }
        for child in &self.children {
            child.write(out, None);
        }
        let _ = write!(out, "</{}>", self.name);
    }

    /// The element as a document whose root declares `namespace` as the
    /// default namespace.
    pub fn to_document(&self, namespace: &str) -> String {
        let mut out = String::new();
        self.write(&mut out, Some(namespace));
        out
    }
}

/// Element children of `node`.
pub(crate) fn elements<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
) -> impl Iterator<Item = roxmltree::Node<'a, 'input>> {
    node.children().filter(roxmltree::Node::is_element)
}

/// The first element child of `node` with local name `name`.
pub(crate) fn child<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &str,
) -> Option<roxmltree::Node<'a, 'input>> {
    elements(node).find(|child| child.tag_name().name() == name)
}

/// The text of a child element (empty text for an empty element).
pub(crate) fn child_text(node: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).map(|child| text_of(child))
}

/// The concatenated text content of `node`.
pub(crate) fn text_of(node: roxmltree::Node<'_, '_>) -> String {
    node.descendants()
        .filter(roxmltree::Node::is_text)
        .filter_map(|text| text.text())
        .collect()
}

/// A required child's text, or an error naming it.
pub(crate) fn required(node: roxmltree::Node<'_, '_>, name: &str) -> Result<String, String> {
    child_text(node, name).ok_or_else(|| format!("<{}> has no <{name}>", node.tag_name().name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_escaped_documents_that_read_back() {
        let doc = El::new("Root")
            .field("a", "x < y & \"z\"")
            .opt("b", None::<String>)
            .child(El::new("list").field("item", "1").field("item", "2"))
            .to_document("urn:test");
        assert_eq!(
            doc,
            "<Root xmlns=\"urn:test\"><a>x &lt; y &amp; &quot;z&quot;</a><list><item>1</item><item>2</item></list></Root>"
        );
        let parsed = roxmltree::Document::parse(&doc).unwrap();
        let root = parsed.root_element();
        assert_eq!(required(root, "a").unwrap(), "x < y & \"z\"");
        assert!(required(root, "b").is_err());
        let list = child(root, "list").unwrap();
        assert_eq!(elements(list).count(), 2);
    }
}
