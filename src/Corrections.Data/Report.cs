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

    /// <summary>
    /// The first 80 bits of a SHA-256 of the site, the URL without query and fragment, and the quoted passage, in
    /// <see cref="DuplicateKeyLength"/> hexadecimal characters: identical open reports share it.
    /// </summary>
    public required string DuplicateKey { get; set; }

    /// <summary>
    /// 80 bits: that two of a million open reports share them by chance is less likely than one in a trillion, and a
    /// shorter key keeps more of the index of open reports in the cache. That index is written at a random place for
    /// every new report, so the more of it stays in the cache, the faster a burst of new reports is stored
    /// (docs/decisions/0008-duplicate-keys-of-80-bits.md).
    /// </summary>
    public const int DuplicateKeyLength = 20;

    public string? Title { get; set; }

    /// <summary>The author and section as the page gave them, which route the report to a desk.</summary>
    public string? Author { get; set; }
    public string? Section { get; set; }

    /// <summary>The name of the desk the report was routed to; null: the site's editors'.</summary>
    public string? Desk { get; set; }

    /// <summary>The digest that listed the report since it last became new; null: not yet in one.</summary>
    public long? DigestId { get; set; }
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

    /// <summary>When the report left <see cref="ReportStatus.New"/>; null while it is open.</summary>
    public DateTimeOffset? ClosedAt { get; set; }

    public Guid? DuplicateOfId { get; set; }

    /// <summary>The unguessable part of the report's reply address; a reply must carry it to triage.</summary>
    public required string ReplyToken { get; set; }

    /// <summary>Set when the readers' thank-you was queued, so that it goes out once even if the report is fixed again.</summary>
    public DateTimeOffset? ThanksQueuedAt { get; set; }

    /// <summary>Whether the passage was on the article when the service last read it; null until it has.</summary>
    public PassageState? Passage { get; set; }

    /// <summary>Why the article could not be read, when <see cref="Passage"/> is <see cref="PassageState.Unknown"/>.</summary>
    public string? PassageReason { get; set; }

    public DateTimeOffset? PassageCheckedAt { get; set; }

    /// <summary>
    /// When the article is read again to see whether the passage was corrected; null when it is not. While an instance
    /// reads it, the end of its claim.
    /// </summary>
    public DateTimeOffset? NextPageCheckAt { get; set; }

    /// <summary>The claim of the instance reading the article again, <c>{instance}/{claim}</c>, as on outbox rows.</summary>
    public string? PageCheckClaim { get; set; }

    /// <summary>The article's validators when it was last read, sent back so that an unchanged page is not sent again.</summary>
    public string? PageETag { get; set; }

    public DateTimeOffset? PageLastModified { get; set; }

    public List<ReportSubmission> Submissions { get; set; } = [];
    public List<ReportEvent> History { get; set; } = [];
}

/// <summary>Whether the reported passage is on the article as the service last read it.</summary>
public enum PassageState
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("found")]
    Found,

    [System.Text.Json.Serialization.JsonStringEnumMemberName("not_found")]
    NotFound,

    /// <summary>The page could not be read; <see cref="Report.PassageReason"/> says why.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("unknown")]
    Unknown,
}

public enum TriageChannel
{
    Link,
    Reply,
    Api,

    /// <summary>The editors' inbox, a web page signed in by mail.</summary>
    Inbox,

    /// <summary>The service itself, e.g. a report caught by a bot trap.</summary>
    Filter,

    /// <summary>The service, reading the article: the passage was corrected there.</summary>
    LivePage,
}

/// <summary>One change to a report: who, when, how, and what.</summary>
public sealed class ReportEvent
{
    public long Id { get; set; }
    public Guid ReportId { get; set; }
    public DateTimeOffset At { get; set; }

    /// <summary>The editor's address or the API key's name.</summary>
    public required string Actor { get; set; }

    public TriageChannel Channel { get; set; }

    /// <summary>The action as the editor gave it: fixed, reject, duplicate, spam, reopen, or note.</summary>
    public required string Action { get; set; }

    public ReportStatus FromStatus { get; set; }
    public ReportStatus ToStatus { get; set; }
    public string? Note { get; set; }

    /// <summary>The Message-ID of the editor's reply that caused it, so that a reply is applied once.</summary>
    public string? SourceMessageId { get; set; }
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

    /// <summary>A keyed hash of the client's address with a key that changes daily; never the address itself.</summary>
    public string? ClientHash { get; set; }
}
