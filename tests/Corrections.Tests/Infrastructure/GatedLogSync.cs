using Corrections.Data;

namespace Corrections.Tests.Infrastructure;

/// <summary>The real sync, which a test can hold at its start or make fail.</summary>
public sealed class GatedLogSync : SqliteLogSync
{
    private readonly ManualResetEventSlim gate = new(initialState: true);
    private volatile bool holding;

    public bool Hold
    {
        set
        {
            if (value)
                gate.Reset();
            else
                gate.Set();
        }
    }

    public bool Fail { get; set; }

    public bool Holding => holding;

    /// <summary>The files synced (or held), in order: logs, and database files that a checkpoint copied into.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Synced { get; } = new();

    public void Open() => gate.Set();

    public override void SyncToDisk(string path)
    {
        Synced.Enqueue(path);
        holding = true;
        gate.Wait(TimeSpan.FromSeconds(30));
        holding = false;
        if (Fail)
            throw new IOException("Input/output error");
        base.SyncToDisk(path);
    }
}
