using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Corrections.Pipeline;

/// <summary>Turns the pipeline's exceptions into RFC 9457 problem details.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
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
            _ => null,
        };
        if (problem is null)
            return false;

        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}
