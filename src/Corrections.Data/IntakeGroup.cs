namespace Corrections.Data;

/// <summary>
/// A group of readers' submissions taken on SQLite during a burst: committed, on disk and answered, its rows not yet
/// sorted into reports, submissions and the outbox. The rows are kept as one serialized value, so that taking a group
/// writes one row at the end of one table instead of an entry into every index a report's rows go into.
/// </summary>
public sealed class IntakeGroup
{
    public long Id { get; set; }

    /// <summary>
    /// The group's new rows and the readers it adds to stored reports: JSON compressed by zlib, or plain JSON as groups
    /// were first stored.
    /// </summary>
    public required byte[] Rows { get; set; }

    public DateTimeOffset TakenAt { get; set; }

    /// <summary>Why the group could not be sorted; such a group is kept for an operator and not tried again.</summary>
    public string? SortError { get; set; }
}
