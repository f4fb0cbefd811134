namespace Corrections.Email;

/// <summary>What the SMTP relay did lately: the last accepted mail, and since when every attempt has failed.</summary>
public sealed class SmtpHealth(TimeProvider time)
{
    /// <summary>Failing this long is no longer a passing hiccup of the relay but something for an operator.</summary>
    public static readonly TimeSpan DegradedAfter = TimeSpan.FromMinutes(5);

    private readonly Lock gate = new();
    private DateTimeOffset? lastSuccessAt;
    private DateTimeOffset? failingSince;
    private string? lastError;

    public void RecordSuccess()
    {
        lock (gate)
        {
            lastSuccessAt = time.GetUtcNow();
            failingSince = null;
            lastError = null;
        }
    }

    public void RecordFailure(string error)
    {
        lock (gate)
        {
            failingSince ??= time.GetUtcNow();
            lastError = error;
        }
    }

    public SmtpHealthSnapshot Snapshot()
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            var failingFor = failingSince is { } since ? now - since : (TimeSpan?)null;
            return new SmtpHealthSnapshot(lastSuccessAt, failingSince, failingFor, lastError, failingFor > DegradedAfter);
        }
    }
}

public sealed record SmtpHealthSnapshot(DateTimeOffset? LastSuccessAt, DateTimeOffset? FailingSince, TimeSpan? FailingFor, string? LastError, bool Degraded);
