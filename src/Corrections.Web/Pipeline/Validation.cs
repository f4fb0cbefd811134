using Mediator;

namespace Corrections.Pipeline;

/// <summary>Checks one kind of message before its handler runs; adds what is wrong, keyed by the request field.</summary>
public interface IValidator<in TMessage>
{
    ValueTask ValidateAsync(TMessage message, ValidationErrors errors, CancellationToken cancellationToken);
}

public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool Any => errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!errors.TryGetValue(field, out var messages))
            errors[field] = messages = [];
        messages.Add(message);
    }

    public bool Has(string field) => errors.ContainsKey(field);

    public Dictionary<string, string[]> ToDictionary() => errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}

/// <summary>The request is well-formed but breaks a rule; becomes 400 with the errors by field.</summary>
public sealed class RequestValidationException(ValidationErrors errors) : Exception("The request is not valid.")
{
    public ValidationErrors Errors { get; } = errors;
}

/// <summary>Something the request names does not exist; becomes 404.</summary>
public sealed class NotFoundException(string title, string detail) : Exception(detail)
{
    public string Title { get; } = title;
}

/// <summary>The request conflicts with the current state of what it names; becomes 409.</summary>
public sealed class ConflictException(string title, string detail) : Exception(detail)
{
    public string Title { get; } = title;
}

public sealed class ValidationBehavior<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        ValidationErrors? errors = null;
        foreach (var validator in validators)
        {
            errors ??= new ValidationErrors();
            await validator.ValidateAsync(message, errors, cancellationToken);
        }
        if (errors is { Any: true })
            throw new RequestValidationException(errors);
        return await next(message, cancellationToken);
    }
}
