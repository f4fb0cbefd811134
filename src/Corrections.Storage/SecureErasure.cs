using Corrections.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Corrections.Storage;

/// <summary>
/// Erases personal data in one transaction so that it cannot be read back from the database's files afterwards. On SQLite
/// every connection of the service overwrites what it deletes with zeros (<c>PRAGMA secure_delete</c>, set by
/// <see cref="SqliteConnectionSetup"/>), and after the erasure a checkpoint copies the log into the database file and
/// truncates it, so that the log's older copies of the pages go too. What the server providers keep is described in
/// docs/privacy.md.
/// </summary>
public sealed class SecureErasure(SqliteCheckpointer checkpointer, ILogger<SecureErasure> logger)
{
    private const int CheckpointTries = 10;

    /// <param name="erase">Erases, and answers how many rows it changed: the log is emptied only when there were some.</param>
    public async Task<int> RunAsync(CorrectionsDb db, Func<CancellationToken, Task<int>> erase, CancellationToken cancellationToken)
    {
        int changed;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            changed = await erase(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        if (changed > 0 && db.Database.IsSqlite() && !await checkpointer.TruncateLogAsync(CheckpointTries, cancellationToken))
            logger.LogWarning("The SQLite log could not be emptied after an erasure: a reader kept at it; the erased data stays in the log until it starts again");
        return changed;
    }
}
