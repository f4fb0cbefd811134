using Corrections.Configuration;
using Corrections.Storage;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Data;

/// <summary>
/// Lets one instance of the service at a time do a piece of work that must not run twice at once, through a row per
/// piece of work in the Leases table: the holder renews it before it expires, another instance takes it once it has.
/// The holder is named by <see cref="InstanceIdentity"/>, so that an instance restarted after a crash takes its lease
/// back at once.
/// </summary>
public sealed class DatabaseLease(IServiceScopeFactory scopes, TimeProvider time, InstanceIdentity instance)
{
    /// <summary>This instance, as recorded in the leases it holds.</summary>
    public string Owner => instance.Name;

    /// <summary>Takes or renews the lease until <paramref name="duration"/> from now; false while another instance holds it.</summary>
    public async Task<bool> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        var now = time.GetUtcNow();
        var until = now + duration;

        // The conditional update is the claim: of two instances taking an expired lease, only one changes the row.
        var taken = await db.Leases
            .Where(l => l.Name == name && (l.Owner == Owner || l.ExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Owner, Owner).SetProperty(l => l.ExpiresAt, until), cancellationToken);
        if (taken > 0)
            return true;
        if (await db.Leases.AnyAsync(l => l.Name == name, cancellationToken))
            return false;

        db.Leases.Add(new Lease { Name = name, Owner = Owner, ExpiresAt = until });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (DatabaseErrors.IsUniqueViolation(ex))
        {
            return false;
        }
    }

    /// <summary>Gives the lease up, if this instance holds it, so that another can take it at once.</summary>
    public async Task ReleaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        await db.Leases.Where(l => l.Name == name && l.Owner == Owner).ExecuteDeleteAsync(cancellationToken);
    }
}
