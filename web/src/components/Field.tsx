/**
 * A labelled form field with an optional hint and error, wired for assistive technology: the
 * label names the control, hint and error describe it, and aria-invalid marks it while wrong.
 * Secret fields get no `name`, so a form that ever submitted natively would not carry them.
 */
import { type InputHTMLAttributes, type ReactNode, type TextareaHTMLAttributes, useId } from 'react'

interface FieldFrameProps {
  label: string
  hint?: string | undefined
  error?: string | null | undefined
}

function describedBy(hintId: string, errorId: string, { hint, error }: FieldFrameProps): string | undefined {
  const ids = [hint ? hintId : null, error ? errorId : null].filter((id) => id !== null)
  return ids.length > 0 ? ids.join(' ') : undefined
}

/** The label, hint and error around one control; `control` receives the ids that tie them together. */
function FieldFrame({
  label,
  hint,
  error,
  className,
  control,
}: FieldFrameProps & {
  className?: string | undefined
  control: (aria: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode
}) {
  const id = useId()
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  const describedById = describedBy(hintId, errorId, { label, hint, error })
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {control({
        id,
        ...(error ? { 'aria-invalid': true as const } : {}),
        ...(describedById !== undefined ? { 'aria-describedby': describedById } : {}),
      })}
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  )
}

type TextFieldProps = FieldFrameProps & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'name'>

export function TextField({ label, hint, error, className, ...input }: TextFieldProps) {
  return (
    <FieldFrame
      label={label}
      hint={hint}
      error={error}
      className={className}
      control={(aria) => <input className="field-input" {...aria} {...input} />}
    />
  )
}

type TextAreaFieldProps = FieldFrameProps & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id' | 'name'>

export function TextAreaField({ label, hint, error, className, ...textarea }: TextAreaFieldProps) {
  return (
    <FieldFrame
      label={label}
      hint={hint}
      error={error}
      className={className}
      control={(aria) => <textarea className="field-input" {...aria} {...textarea} />}
    />
  )
}

interface CheckboxFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'type'> {
  label: string
  error?: string | null | undefined
}

export function CheckboxField({ label, error, ...input }: CheckboxFieldProps) {
  const id = useId()
  const errorId = `${id}-error`
  return (
    <div className="field field-checkbox">
      <input
        id={id}
        type="checkbox"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        {...input}
      />
      <label htmlFor={id}>{label}</label>
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  )
}
