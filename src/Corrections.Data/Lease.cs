namespace Corrections.Data;

/// <summary>Work that one instance of the service does at a time (reading the reply mailbox, a retention job), held until it expires.</summary>
public sealed class Lease
{
    public required string Name { get; set; }

    /// <summary>
    /// The instance that holds the lease (its <c>Instance:Name</c>); it may renew it, also after a restart, and anyone may
    /// take it once it has expired.
    /// </summary>
    public required string Owner { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
