using Corrections.Data;

namespace Corrections.Storage;

/// <summary>Stores readers' submissions; each call completes once its submission is committed and durable.</summary>
public interface ISubmissionStore
{
    /// <summary>
    /// Stores the submission as a repeat of a stored one, a reader joining an open report about the same passage, or
    /// the new report it carries (<see cref="SubmissionDecision"/>), and completes after the commit.
    /// </summary>
    ValueTask<StoredSubmission> StoreAsync(PreparedSubmission submission, CancellationToken cancellationToken);
}

/// <summary>
/// A submission with everything worked out that needs no database: the reader's row, and the report it makes, with that
/// report's history and outbox rows, if it joins none.
/// </summary>
/// <param name="Submission">The reader's submission; its <see cref="ReportSubmission.ReportId"/> is set when stored.</param>
/// <param name="Report">
/// The report it makes if it is no repeat and joins no open report. One stored with a status other than
/// <see cref="ReportStatus.New"/> (a bot's, kept as spam) never joins a report, and none joins it.
/// </param>
/// <param name="History">Written with a new report.</param>
/// <param name="Outbox">Written with a new report: what must happen once it is committed.</param>
public sealed record PreparedSubmission(
    ReportSubmission Submission,
    Report Report,
    IReadOnlyList<ReportEvent> History,
    IReadOnlyList<OutboxMessage> Outbox)
{
    /// <summary>
    /// The passage as the decision compares it: site, page (the URL without its query), prefix, exact, suffix; null for
    /// a report without context (a reader typed the words rather than selecting them), which joins no report and which
    /// none joins, as the same few words may stand anywhere in an article.
    /// </summary>
    public Passage? Passage { get; } = Report.Prefix.Length == 0 && Report.Suffix.Length == 0 ? null : Passage.Of(Report);
}

public enum SubmissionOutcome
{
    /// <summary>A new report was stored with it.</summary>
    Created,

    /// <summary>It joined an open report about the same passage.</summary>
    Joined,

    /// <summary>The same site and client request id were stored before: nothing new was written.</summary>
    Repeat,
}

/// <param name="Status">The report's status as stored.</param>
/// <param name="WroteOutbox">Whether outbox rows were committed with it.</param>
public sealed record StoredSubmission(Guid ReportId, ReportStatus Status, SubmissionOutcome Outcome, bool WroteOutbox = false);

/// <summary>
/// What makes two reports one: the same site, page and quoted passage with its context. Compared in full, never by the
/// report's <see cref="Report.DuplicateKey"/> alone, which only finds the candidates.
/// </summary>
public sealed record Passage(string SiteKey, string Page, string Prefix, string Exact, string Suffix)
{
    public static Passage Of(Report report) => new(report.SiteKey, PageOf(report.Url), report.Prefix, report.Exact, report.Suffix);

    /// <summary>A stored URL without its query: the same article whatever tracking parameters a link carried.</summary>
    public static string PageOf(string storedUrl)
    {
        var query = storedUrl.IndexOf('?');
        return query < 0 ? storedUrl : storedUrl[..query];
    }
}
