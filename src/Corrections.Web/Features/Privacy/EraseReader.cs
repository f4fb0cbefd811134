using Corrections.Admin;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Pipeline;
using Corrections.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Privacy;

/// <summary>
/// Erases a reader's address, on their request, from every report and from the outbox's errors (a relay's refusal may
/// name it). The address travels in the body, never in the URL, which request logs and proxies keep.
/// </summary>
public sealed record EraseReader(string? Email) : ICommand<EraseReaderResult>;

/// <param name="Erased">Reports' submissions that carried the address.</param>
/// <param name="OutboxErrors">Outbox errors that named it.</param>
public sealed record EraseReaderResult(int Erased, int OutboxErrors);

public sealed class EraseReaderValidator : IValidator<EraseReader>
{
    public ValueTask ValidateAsync(EraseReader command, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(command.Email))
            errors.Add("email", "The reader's email address is required.");
        else if (!OptionsValidation.IsEmailAddress(command.Email))
            errors.Add("email", "This is not an email address.");
        return ValueTask.CompletedTask;
    }
}

public sealed class EraseReaderHandler(CorrectionsDb db, SecureErasure erasure, ILogger<EraseReaderHandler> logger) : ICommandHandler<EraseReader, EraseReaderResult>
{
    public async ValueTask<EraseReaderResult> Handle(EraseReader command, CancellationToken cancellationToken)
    {
        // Addresses are stored as the reader typed them; compare without case, as mail servers do for domains.
        var email = command.Email!.ToLowerInvariant();
        int erased = 0, errors = 0;
        await erasure.RunAsync(db, async cancel =>
        {
            erased = await db.ReportSubmissions
                .Where(s => s.ReaderEmail != null && s.ReaderEmail.ToLower() == email)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.ReaderEmail, (string?)null), cancel);
            // Errors are stored redacted; these are the ones stored before that, or in a form the redaction missed.
            var naming = await db.Outbox
                .Where(m => m.LastError != null && m.LastError.ToLower().Contains(email))
                .ToListAsync(cancel);
            foreach (var message in naming)
                message.LastError = EmailAddresses.Redact(message.LastError!).Replace(command.Email!, EmailAddresses.Redacted, StringComparison.OrdinalIgnoreCase);
            errors = naming.Count;
            await db.SaveChangesAsync(cancel);
            return erased + errors;
        }, cancellationToken);
        var result = new EraseReaderResult(erased, errors);
        logger.LogInformation("Erased a reader's address from {Count} submission(s) and {Errors} outbox error(s) on request", result.Erased, result.OutboxErrors);
        return result;
    }
}

public static class PrivacyEndpoints
{
    public sealed record EraseReaderRequest(string? Email);

    public static IEndpointRouteBuilder MapPrivacy(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/readers/erase", async (EraseReaderRequest request, IMediator mediator, CancellationToken cancellationToken) =>
                Results.Ok(await mediator.Send(new EraseReader(request.Email), cancellationToken)))
            .RequireAuthorization(ApiKeyAuthenticationHandler.Policy)
            .WithTags("Admin: privacy")
            .WithSummary("Erase a reader's email address from every report and from the outbox's errors")
            .WithDescription("The address goes in the body, `{ \"email\": \"reader@example.net\" }`, so that it stays out of request logs.")
            .Accepts<EraseReaderRequest>("application/json")
            .Produces<EraseReaderResult>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        // The address in the path reached every log line of the request; this answer does not erase and logs nothing of it.
        routes.MapDelete("/api/readers/{email}", () => Results.Problem(
                statusCode: StatusCodes.Status410Gone,
                title: "This way of erasing an address is gone.",
                detail: "Send POST /api/readers/erase with { \"email\": \"…\" } in the body instead, so that the address stays out of request logs. Nothing was erased."))
            .RequireAuthorization(ApiKeyAuthenticationHandler.Policy)
            .ExcludeFromDescription();
        return routes;
    }
}
