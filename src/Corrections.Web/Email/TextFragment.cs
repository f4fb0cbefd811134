using System.Text;

namespace Corrections.Email;

/// <summary>Builds URL text fragments (<c>#:~:text=prefix-,start,end,-suffix</c>) that open an article at a passage.</summary>
public static class TextFragment
{
    private const int ContextWords = 3;
    private const int LongPassageWords = 10;
    private const int EdgeWords = 4;

    public static string Link(string url, string prefix, string exact, string suffix)
    {
        var hash = url.IndexOf('#');
        var page = hash < 0 ? url : url[..hash];

        var words = Words(exact);
        if (words.Length == 0)
            return page;
        var directive = new StringBuilder("#:~:text=");
        var before = Words(prefix).TakeLast(ContextWords).ToArray();
        if (before.Length > 0)
            directive.Append(Encode(string.Join(' ', before))).Append("-,");
        if (words.Length > LongPassageWords)
            directive.Append(Encode(string.Join(' ', words.Take(EdgeWords)))).Append(',').Append(Encode(string.Join(' ', words.TakeLast(EdgeWords))));
        else
            directive.Append(Encode(string.Join(' ', words)));
        var after = Words(suffix).Take(ContextWords).ToArray();
        if (after.Length > 0)
            directive.Append(",-").Append(Encode(string.Join(' ', after)));
        return page + directive;
    }

    private static string[] Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Percent-encodes as the Text Fragments spec asks: everything but unreserved characters, and '-' too.</summary>
    public static string Encode(string text) => Uri.EscapeDataString(text).Replace("-", "%2D");
}
