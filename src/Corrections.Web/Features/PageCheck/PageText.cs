using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Corrections.Features.PageCheck;

/// <summary>
/// The text of an article as a reader sees it, for finding a reported passage in it: scripts, styles, templates, form
/// controls and hidden elements (the <c>hidden</c> attribute, an inline <c>display:none</c> or <c>visibility:hidden</c>)
/// are left out, and white space does not count (<see cref="Compact"/>).
/// </summary>
public sealed class PageText
{
    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "head", "title", "iframe", "object", "embed", "svg", "math",
        "input", "select", "textarea", "button", "datalist", "canvas", "audio", "video",
    };

    private readonly string compact;

    private PageText(string compact) => this.compact = compact;

    public static PageText Parse(string html) => Of(new HtmlParser().ParseDocument(html));

    /// <summary>A page as read: in the charset its answer named, otherwise in the one its markup declares, or UTF-8.</summary>
    public static PageText Parse(byte[] body, string? charset)
    {
        Encoding? encoding = null;
        try
        {
            if (charset is { Length: > 0 })
                encoding = Encoding.GetEncoding(charset.Trim('"', '\''));
        }
        catch (ArgumentException)
        {
        }
        var parser = new HtmlParser();
        return Of(encoding is null ? parser.ParseDocument(new MemoryStream(body)) : parser.ParseDocument(encoding.GetString(body)));
    }

    private static PageText Of(IDocument document)
    {
        var text = new StringBuilder();
        if (document.Body is { } body)
            Append(body, text);
        return new PageText(Compact(text.ToString()));
    }

    /// <summary>
    /// The passage with its context: <paramref name="exact"/> right after <paramref name="prefix"/> and right before
    /// <paramref name="suffix"/>.
    /// </summary>
    public bool Contains(string prefix, string exact, string suffix)
    {
        var quote = Compact(exact);
        if (quote.Length == 0)
            return false;
        var before = Compact(prefix);
        var after = Compact(suffix);
        for (var at = compact.IndexOf(quote, StringComparison.Ordinal); at >= 0; at = compact.IndexOf(quote, at + 1, StringComparison.Ordinal))
        {
            if (compact.AsSpan(0, at).EndsWith(before, StringComparison.Ordinal)
                && compact.AsSpan(at + quote.Length).StartsWith(after, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    /// <summary>
    /// A correction in place of the passage: <paramref name="correction"/> after the passage's prefix or before its
    /// suffix, since the editor may have changed a word of the context too. An empty correction (the reader asked for
    /// the passage to go) is there when the prefix is followed by the suffix.
    /// </summary>
    public bool ContainsCorrection(string prefix, string correction, string suffix)
    {
        var before = Compact(prefix);
        var after = Compact(suffix);
        var text = Compact(correction);
        if (text.Length == 0)
            return Contains(prefix, "", suffix) || compact.Contains(before + after, StringComparison.Ordinal);
        return (before.Length > 0 && compact.Contains(before + text, StringComparison.Ordinal))
            || (after.Length > 0 && compact.Contains(text + after, StringComparison.Ordinal))
            || (before.Length == 0 && after.Length == 0 && compact.Contains(text, StringComparison.Ordinal));
    }

    /// <summary>
    /// Text for comparison: NFC, without white space. The widget turns each run of white space into one space, as the
    /// browser renders it; where a browser puts a line break between two blocks and the service a space, or the reverse,
    /// the two still match.
    /// </summary>
    public static string Compact(string text)
    {
        var normalized = text.Normalize(NormalizationForm.FormC);
        var builder = new StringBuilder(normalized.Length);
        foreach (var c in normalized)
            if (!char.IsWhiteSpace(c) && c != '\u00AD' && c != '\u200B')
                builder.Append(c);
        return builder.ToString();
    }

    private static void Append(IElement element, StringBuilder text)
    {
        if (Skipped.Contains(element.LocalName) || IsHidden(element))
            return;
        foreach (var child in element.ChildNodes)
        {
            if (child is IElement childElement)
                Append(childElement, text);
            else if (child.NodeType == NodeType.Text)
                text.Append(child.TextContent);
        }
    }

    private static bool IsHidden(IElement element)
    {
        if (element.HasAttribute("hidden"))
            return true;
        var style = element.GetAttribute("style");
        if (string.IsNullOrEmpty(style))
            return false;
        var compactStyle = style.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        return compactStyle.Contains("display:none", StringComparison.Ordinal) || compactStyle.Contains("visibility:hidden", StringComparison.Ordinal);
    }
}
