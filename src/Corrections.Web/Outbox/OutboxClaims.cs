using System.Security.Cryptography;
using Corrections.Configuration;
using Corrections.Data;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Outbox;

/// <summary>
/// The dispatcher's claims on outbox rows name the instance that made them, <c>{instance}/{claim}</c>, so that an
/// instance restarted after a crash takes its claims back at once instead of waiting for their lease to run out.
/// </summary>
public static class OutboxClaims
{
    /// <summary>A claim of its own for each batch: a row's outcome is recorded only by the batch that holds it.</summary>
    public static string New(string instance) => $"{instance}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";

    /// <summary>
    /// Clears the lease of every pending row that this instance claimed in an earlier run; a claimed row was due, so it is
    /// due now. On SQLite every claim is such a row. Other instances' claims are left to expire.
    /// </summary>
    public static Task<int> ReleaseEarlierRunsAsync(CorrectionsDb db, InstanceIdentity instance, CancellationToken cancellationToken)
    {
        var claimed = db.Outbox.Where(m => m.State == OutboxState.Pending && m.LeaseOwner != null);
        if (!instance.SoleInstance)
        {
            var own = instance.Name + "/";
            claimed = claimed.Where(m => m.LeaseOwner!.StartsWith(own));
        }
        return claimed.ExecuteUpdateAsync(s => s
            .SetProperty(m => m.LeaseOwner, (string?)null)
            .SetProperty(m => m.LeaseExpiresAt, (DateTimeOffset?)null), cancellationToken);
    }
}
