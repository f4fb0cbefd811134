using Corrections.Outbox;
using Mediator;

namespace Corrections.Features.PageCheck;

/// <summary>A new report was committed and its passage is to be looked for on its article; published from the outbox.</summary>
public sealed record PassageToCheck(Guid ReportId) : IOutboxNotification
{
    public static string OutboxType => "PassageToCheck";
}

/// <summary>
/// Checks the passage, unless the editors' mail already did. A page that cannot be read is stored as
/// <see cref="Data.PassageState.Unknown"/> with the reason, not retried: the reason is the answer.
/// </summary>
public sealed class CheckPassageWhenReportSubmitted(PassageChecks checks) : INotificationHandler<PassageToCheck>
{
    public async ValueTask Handle(PassageToCheck notification, CancellationToken cancellationToken) =>
        await checks.CheckAtArrivalAsync(notification.ReportId, cancellationToken);
}
