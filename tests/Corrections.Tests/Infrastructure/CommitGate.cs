using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Corrections.Tests.Infrastructure;

/// <summary>
/// Sees the service's commits: holds one that carries a marked report (or every one) until opened, fails another,
/// counts them. Added to the service's contexts with <c>ConfigureDbContext</c>; armed once the service has started.
/// </summary>
public sealed class CommitGate : DbTransactionInterceptor
{
    public const string Hold = "hold the writer here";
    public const string Unstorable = "this one cannot be stored";

    private readonly TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int holding;
    private int commits;

    public bool Armed { get; set; }
    public bool HoldCommits { get; set; }
    public bool FailCommits { get; set; }
    public bool Holding => Volatile.Read(ref holding) > 0;
    public int Commits => Volatile.Read(ref commits);

    public void Open() => gate.TrySetResult();

    public override async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (!Armed)
            return result;
        if (FailCommits)
            throw new InvalidOperationException("The probe fails this commit");
        var marked = await MarkedReportsAsync(transaction);
        if (marked.Contains(Unstorable))
            throw new InvalidOperationException("The probe refuses this report");
        if (HoldCommits || marked.Contains(Hold))
            await WaitAtGateAsync();
        return result;
    }

    /// <summary>The marked reports this transaction is about to commit.</summary>
    private static async Task<List<string>> MarkedReportsAsync(DbTransaction transaction)
    {
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT \"Exact\" FROM \"Reports\" WHERE \"Exact\" IN (@hold, @unstorable)";
        var hold = command.CreateParameter();
        (hold.ParameterName, hold.Value) = ("@hold", Hold);
        var unstorable = command.CreateParameter();
        (unstorable.ParameterName, unstorable.Value) = ("@unstorable", Unstorable);
        command.Parameters.Add(hold);
        command.Parameters.Add(unstorable);
        var marked = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            marked.Add(reader.GetString(0));
        return marked;
    }

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref commits);
        return Task.CompletedTask;
    }

    private async Task WaitAtGateAsync()
    {
        Interlocked.Increment(ref holding);
        await gate.Task;
    }
}
