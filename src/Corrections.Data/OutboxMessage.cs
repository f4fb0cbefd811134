namespace Corrections.Data;

public enum OutboxState
{
    Pending,
    Done,
    Parked,
}

/// <summary>Work that must happen after a commit, written in the same transaction as the change that caused it.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public required string Type { get; set; }
    public required string Payload { get; set; }
    public OutboxState State { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public int Attempts { get; set; }

    /// <summary>
    /// The claim of the dispatcher batch that holds the row, <c>{instance}/{claim}</c>: the instance takes it back when it
    /// restarts, another may take it once the lease has expired.
    /// </summary>
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
    public string? LastError { get; set; }

    /// <summary>Work that must be queued once whoever queues it, such as a digest for its time: unique where set.</summary>
    public string? UniqueKey { get; set; }
}
