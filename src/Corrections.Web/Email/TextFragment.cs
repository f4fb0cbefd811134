using System.Text;

namespace Corrections.Email;

/// <summary>Builds URL text fragments (<c>#:~:text=prefix-,start,end,-suffix</c>) that open an article at a passage.</summary>
public static class TextFragment
{
    private const int ContextWords = 3;
    private const int LongPassageWords = 10;
    private const int EdgeWords = 4;

    /// <remarks>
    /// Browsers match each term of a directive within one block of the page. A passage that the widget sent with line
    /// breaks (it crosses blocks), or a long one, is linked by the first words of its first line and the last words of its
    /// last; the context words come from the line next to the passage.
    /// </remarks>
    public static string Link(string url, string prefix, string exact, string suffix)
    {
        var hash = url.IndexOf('#');
        var page = hash < 0 ? url : url[..hash];

        var lines = Lines(exact);
        if (lines.Count == 0)
            return page;
        var directive = new StringBuilder("#:~:text=");
        if (Lines(prefix) is [.., var before])
            directive.Append(Encode(string.Join(' ', before.TakeLast(ContextWords)))).Append("-,");
        if (lines.Count > 1 || lines[0].Length > LongPassageWords)
            directive.Append(Encode(string.Join(' ', lines[0].Take(EdgeWords)))).Append(',').Append(Encode(string.Join(' ', lines[^1].TakeLast(EdgeWords))));
        else
            directive.Append(Encode(string.Join(' ', lines[0])));
        if (Lines(suffix) is [var after, ..])
            directive.Append(",-").Append(Encode(string.Join(' ', after.Take(ContextWords))));
        return page + directive;
    }

    /// <summary>The words of each line that has any.</summary>
    private static List<string[]> Lines(string text) =>
        text.Split('\n').Select(line => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Where(words => words.Length > 0).ToList();

    /// <summary>Percent-encodes as the Text Fragments spec asks: everything but unreserved characters, and '-' too.</summary>
    public static string Encode(string text) => Uri.EscapeDataString(text).Replace("-", "%2D");
}
