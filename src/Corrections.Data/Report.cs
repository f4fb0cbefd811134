namespace Corrections.Data;

public enum ReportStatus
{
    New,
    Fixed,
    Rejected,
    Duplicate,
    Spam,
}

/// <summary>A mistake in one passage of one article, as reported by one or more readers.</summary>
public sealed class Report
{
    public Guid Id { get; set; }
    public required string SiteKey { get; set; }
    public required string Url { get; set; }

    /// <summary>SHA-256 of the site, the URL without query and fragment, and the quoted passage: identical open reports share it.</summary>
    public required string DuplicateKey { get; set; }

    public string? Title { get; set; }
    public string? Language { get; set; }
    public required string Exact { get; set; }
    public string Prefix { get; set; } = "";
    public string Suffix { get; set; } = "";
    public string? Suggestion { get; set; }
    public string? Comment { get; set; }
    public ReportStatus Status { get; set; }
    public int ReaderCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public List<ReportSubmission> Submissions { get; set; } = [];
}

/// <summary>One reader's request that produced or joined a report; its client request id makes a resend harmless.</summary>
public sealed class ReportSubmission
{
    public long Id { get; set; }
    public Guid ReportId { get; set; }
    public required string SiteKey { get; set; }
    public required string ClientRequestId { get; set; }
    public string? Suggestion { get; set; }
    public string? Comment { get; set; }
    public string? ReaderEmail { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
}
