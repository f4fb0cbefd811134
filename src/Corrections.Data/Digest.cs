namespace Corrections.Data;

/// <summary>The reports of a site's or desk's digest mail, numbered as the mail lists them, for replies such as "3 fixed".</summary>
public sealed class Digest
{
    public long Id { get; set; }
    public required string SiteKey { get; set; }

    /// <summary>Null: the site's editors' digest.</summary>
    public string? Desk { get; set; }

    /// <summary>The digest time it was made for.</summary>
    public DateTimeOffset SlotAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The unguessable part of the digest's reply address.</summary>
    public required string ReplyToken { get; set; }

    public List<DigestItem> Items { get; set; } = [];
}

public sealed class DigestItem
{
    public long DigestId { get; set; }

    /// <summary>From 1, in the order of the mail.</summary>
    public int Number { get; set; }
    public Guid ReportId { get; set; }
}
