using System.Net;
using System.Text.RegularExpressions;
using DiffPlex;

namespace Corrections.Email;

public enum DiffKind
{
    Same,
    Deleted,
    Inserted,
}

public sealed record DiffPart(DiffKind Kind, string Text);

/// <summary>A word-level diff of a passage and a reader's suggestion, as the editor sees it.</summary>
public static partial class WordDiff
{
    /// <summary>The suggestion as plain text against the passage: deleted words as <c>[-…-]</c>, inserted as <c>{+…+}</c>.</summary>
    public static string AsText(string before, string after) => string.Concat(Compare(before, after).Select(part => part.Kind switch
    {
        DiffKind.Deleted => $"[-{part.Text}-]",
        DiffKind.Inserted => $"{{+{part.Text}+}}",
        _ => part.Text,
    }));

    /// <summary>
    /// The suggestion as HTML against the passage, every word escaped: deleted words in <c>&lt;del&gt;</c>, inserted in
    /// <c>&lt;ins&gt;</c>, each with the given attributes (mail clients want inline styles).
    /// </summary>
    public static string AsHtml(string before, string after, string deletedAttributes = "", string insertedAttributes = "") =>
        string.Concat(Compare(before, after).Select(part => part.Kind switch
        {
            DiffKind.Deleted => $"<del{deletedAttributes}>{WebUtility.HtmlEncode(part.Text)}</del>",
            DiffKind.Inserted => $"<ins{insertedAttributes}>{WebUtility.HtmlEncode(part.Text)}</ins>",
            _ => WebUtility.HtmlEncode(part.Text),
        }));

    public static IReadOnlyList<DiffPart> Compare(string before, string after)
    {
        var result = Differ.Instance.CreateDiffs(before, after, ignoreWhiteSpace: false, ignoreCase: false, WordsAndSpaces.Instance);
        var parts = new List<DiffPart>();
        var position = 0;
        foreach (var block in result.DiffBlocks)
        {
            Add(parts, DiffKind.Same, result.PiecesOld, position, block.DeleteStartA - position);
            Add(parts, DiffKind.Deleted, result.PiecesOld, block.DeleteStartA, block.DeleteCountA);
            Add(parts, DiffKind.Inserted, result.PiecesNew, block.InsertStartB, block.InsertCountB);
            position = block.DeleteStartA + block.DeleteCountA;
        }
        Add(parts, DiffKind.Same, result.PiecesOld, position, result.PiecesOld.Count - position);
        return parts;
    }

    private static void Add(List<DiffPart> parts, DiffKind kind, IReadOnlyList<string> pieces, int start, int count)
    {
        if (count <= 0)
            return;
        var text = string.Concat(pieces.Skip(start).Take(count));
        if (parts.Count > 0 && parts[^1].Kind == kind)
            parts[^1] = parts[^1] with { Text = parts[^1].Text + text };
        else
            parts.Add(new DiffPart(kind, text));
    }

    /// <summary>Words, runs of white space and single punctuation marks, so that the pieces put together give back the text.</summary>
    private sealed partial class WordsAndSpaces : IChunker
    {
        public static readonly WordsAndSpaces Instance = new();

        public IReadOnlyList<string> Chunk(string text) => Tokens().Matches(text).Select(m => m.Value).ToArray();

        [GeneratedRegex(@"\w+|\s+|[^\w\s]", RegexOptions.CultureInvariant)]
        private static partial Regex Tokens();
    }
}
