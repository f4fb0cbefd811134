using Corrections.Admin;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.Reports.Submit;
using Corrections.Pipeline;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Privacy;

/// <summary>Erases a reader's address from every report, on their request.</summary>
public sealed record EraseReader(string Email) : ICommand<EraseReaderResult>;

public sealed record EraseReaderResult(int Erased);

public sealed class EraseReaderValidator : IValidator<EraseReader>
{
    public ValueTask ValidateAsync(EraseReader command, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (!OptionsValidation.IsEmailAddress(command.Email))
            errors.Add("email", "This is not an email address.");
        return ValueTask.CompletedTask;
    }
}

public sealed class EraseReaderHandler(CorrectionsDb db, ILogger<EraseReaderHandler> logger) : ICommandHandler<EraseReader, EraseReaderResult>
{
    public async ValueTask<EraseReaderResult> Handle(EraseReader command, CancellationToken cancellationToken)
    {
        // Addresses are stored as the reader typed them; compare without case, as mail servers do for domains.
        var email = command.Email.ToLowerInvariant();
        var erased = await db.ReportSubmissions
            .Where(s => s.ReaderEmail != null && s.ReaderEmail.ToLower() == email)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ReaderEmail, (string?)null), cancellationToken);
        logger.LogInformation("Erased a reader's address from {Count} submission(s) on request", erased);
        return new EraseReaderResult(erased);
    }
}

public static class PrivacyEndpoints
{
    public static IEndpointRouteBuilder MapPrivacy(this IEndpointRouteBuilder routes)
    {
        routes.MapDelete("/api/readers/{email}", async (string email, IMediator mediator, CancellationToken cancellationToken) =>
                Results.Ok(await mediator.Send(new EraseReader(email), cancellationToken)))
            .RequireAuthorization(ApiKeyAuthenticationHandler.Policy)
            .WithTags("Admin: privacy")
            .WithSummary("Erase a reader's email address from every report")
            .Produces<EraseReaderResult>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return routes;
    }
}
