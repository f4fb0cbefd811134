using Corrections.Storage;
using Corrections.Data;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Corrections.Pipeline;

/// <summary>Turns the pipeline's exceptions into RFC 9457 problem details.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>Told to clients when the database is locked, unreachable or its disk failed; a lock held past the busy timeout rarely lasts much longer.</summary>
    public const int DatabaseRetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            RequestValidationException invalid => new HttpValidationProblemDetails(invalid.Errors.ToDictionary())
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The report is not valid.",
                Detail = "See errors for what to change in each field.",
            },
            NotFoundException notFound => new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = notFound.Title,
                Detail = notFound.Message,
            },
            ConflictException conflict => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = conflict.Title,
                Detail = conflict.Message,
            },
            _ when DatabaseErrors.IsUnavailable(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service is busy.",
                Detail = $"Nothing was stored. Send the same request again in {DatabaseRetryAfterSeconds} seconds.",
            },
            _ => null,
        };
        if (problem is null)
            return false;

        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogWarning(exception, "{Method} {Path} answered 503: {Title}", context.Request.Method, context.Request.Path, problem.Title);
            context.Response.Headers.RetryAfter = DatabaseRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}
