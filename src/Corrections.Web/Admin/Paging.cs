using System.Buffers.Text;
using System.Globalization;
using Corrections.Pipeline;

namespace Corrections.Admin;

/// <summary>
/// Keyset paging for the admin lists. A page that is not the last ends with <c>next</c>, an opaque cursor naming its last
/// item's place in the list's order; the client passes it back as <c>cursor</c> and the next page starts right after
/// that item. A page then costs the same at any depth, needs no count of the table, and neither repeats nor skips an
/// item when new ones arrive in between.
/// </summary>
public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    /// <summary>The page size asked for, or the default; a value out of bounds is named in <paramref name="errors"/>.</summary>
    /// <remarks>Here and below, a parameter given empty is taken as left out.</remarks>
    public static int ReadPageSize(string? pageSize, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(pageSize))
            return DefaultPageSize;
        if (int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= MaxPageSize)
            return size;
        errors.Add("pageSize", $"The page size must be a whole number from 1 to {MaxPageSize}.");
        return DefaultPageSize;
    }

    /// <summary>Page numbers were replaced by cursors; an old client is told so rather than shown the first page again and again.</summary>
    public static void RefusePageNumber(string? page, ValidationErrors errors)
    {
        if (!string.IsNullOrEmpty(page))
            errors.Add("page", "Pages are not numbered: leave page out for the first page, and pass the previous page's next as cursor for the following one.");
    }

    /// <summary>
    /// The cursor's bytes: the list's own <paramref name="list"/> letter, so that a cursor of one list is refused by the
    /// other, then the sort key of the item the page ended with.
    /// </summary>
    public static string EncodeCursor(char list, ReadOnlySpan<byte> key)
    {
        Span<byte> bytes = stackalloc byte[key.Length + 1];
        bytes[0] = (byte)list;
        key.CopyTo(bytes[1..]);
        return Base64Url.EncodeToString(bytes);
    }

    /// <returns>
    /// The place that <paramref name="read"/> finds in a cursor of <paramref name="list"/>, or null (and the error named)
    /// if the text is not one.
    /// </returns>
    public static T? DecodeCursor<T>(string? cursor, char list, int keyLength, Func<byte[], T?> read, ValidationErrors errors) where T : struct
    {
        if (string.IsNullOrEmpty(cursor))
            return null;
        var bytes = new byte[keyLength + 1];
        if (cursor.Length == Base64Url.GetEncodedLength(bytes.Length)
            && Base64Url.TryDecodeFromChars(cursor, bytes, out var written) && written == bytes.Length && bytes[0] == list
            && read(bytes[1..]) is { } place)
            return place;
        errors.Add("cursor", "The cursor is not one this list gave: pass the previous page's next as it came, or leave cursor out for the first page.");
        return null;
    }
}
